// The customer view in a real browser: an administrator of a partner organization switches
// between its two customers from one sign-in, works in each with the role held in the partner
// organization, and is refused on a third organization; the installation administrator assigns
// the partner on the customer's settings page. Every page in all five languages.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { available, Server, launch, Visitor, languages, password, submit } from "./harness.mjs";

const skip = !available();
let server, browser, beta, gamma, delta;
const partnerAdmin = "pat@acme.example";

before(async () => {
  if (skip) return;
  server = await Server.start();
  browser = await launch();
  const org = (name) => server.api("POST", "/api/v1/orgs", { name });
  [beta, gamma, delta] = [await org("Beta Retail"), await org("Gamma Logistics"), await org("Delta Energy")];
  await server.api("PATCH", `/api/v1/orgs/${beta.id}`, { partnerOrgId: server.org.id });
  await server.api("POST", `/api/v1/orgs/${beta.id}/users`, { email: "bea@beta.example", firstName: "Bea", license: "standard" });
  // Pat is a full administrator of Acme and nothing more: invited, then accepting in a browser.
  const pat = await server.api("POST", `/api/v1/orgs/${server.org.id}/users`, { email: partnerAdmin, firstName: "Pat" });
  const role = await fetch(`${server.url}/api/v1/orgs/${server.org.id}/users/${pat.id}`, {
    method: "PATCH", body: JSON.stringify({ adminRole: "full" }),
    headers: { Authorization: `Bearer ${server.system}`, "Content-Type": "application/json", "If-Match": "*" },
  });
  assert.equal(role.status, 200, await role.text());
  const emails = await server.api("GET", `/api/v1/orgs/${server.org.id}/emails`);
  const link = new URL(emails.items.find((m) => m.to === partnerAdmin).link);
  const v = await Visitor.open(browser, server, "en");
  await v.page.goto(server.url + link.pathname);
  await v.page.fill("#password", password);
  await v.page.fill("#confirm", password);
  await Promise.all([v.page.waitForLoadState("load"), v.page.click("main button[type=submit]")]);
  await v.close();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("the installation administrator assigns a partner", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(`/console/orgs/${gamma.id}/settings`);
  assert.match(await v.page.innerText("#partner"), /No partner organization manages this organization/);
  await v.page.selectOption("#partnerOrgId", server.org.id);
  const resp = await submit(v, '#partner button[type=submit]');
  assert.equal(resp.status(), 200);
  await v.check();
  assert.match(await v.page.innerText(".flash"), /Partner saved/);
  assert.match(await v.page.innerText("#partner"), /Managed by the partner organization Acme/);
  assert.equal((await server.api("GET", `/api/v1/orgs/${gamma.id}`)).partnerOrgId, server.org.id);
  await v.goto("/console/orgs");
  assert.match(await v.page.innerText(`tr:has-text("Gamma Logistics")`), /Acme/);
  await v.close();
});

test("a partner administrator switches between two customers and is refused on a third", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn(partnerAdmin);
  await v.page.click('header a[href="/console/orgs"]');
  await v.check();
  const listed = await v.page.innerText("main table");
  for (const name of ["Acme", "Beta Retail", "Gamma Logistics"]) assert.match(listed, new RegExp(name));
  assert.doesNotMatch(listed, /Delta Energy/);
  assert.equal(await v.page.locator('form[action="/console/orgs"]').count(), 0, "no creation form for a partner");

  await Promise.all([v.page.waitForLoadState("load"), v.page.click('main a:has-text("Beta Retail")')]);
  await v.check();
  assert.match(await v.page.innerText("main .notice"), /You are working in Beta Retail as an administrator of its partner, Acme/);
  await v.goto(`/console/orgs/${beta.id}/users`);
  assert.match(await v.page.innerText("main"), /bea@beta\.example/);

  await v.goto("/console/orgs");
  await Promise.all([v.page.waitForLoadState("load"), v.page.click('main a:has-text("Gamma Logistics")')]);
  await v.check();
  assert.match(await v.page.innerText("main .notice"), /Gamma Logistics/);
  assert.doesNotMatch(await v.page.innerText("main"), /bea@beta\.example/);

  await v.goto(`/console/orgs/${delta.id}/`, { status: 404 });
  assert.doesNotMatch(await v.page.innerText("body"), /Delta Energy/);
  await v.close();
});

for (const lang of languages) {
  test(`customer view pages in ${lang}`, { skip }, async () => {
    const v = await Visitor.open(browser, server, lang);
    await v.signIn(partnerAdmin);
    await v.goto("/console/orgs", { name: "partner-orgs" });
    await v.goto(`/console/orgs/${beta.id}/`, { name: "partner-customer-overview" });
    await v.goto(`/console/orgs/${beta.id}/settings`, { name: "partner-customer-settings" });
    await v.close();
    const inst = await Visitor.open(browser, server, lang);
    await inst.signIn();
    await inst.goto("/console/orgs", { name: "installation-orgs" });
    await inst.goto(`/console/orgs/${beta.id}/settings`, { name: "installation-customer-settings" });
    await inst.close();
  });
}
