// Organization settings, API tokens and license usage in a real browser: the default language
// and the seats changed, a token created (its secret shown once, gone when the page is opened
// again) and deleted, the license usage chart with its sources, and every page in all five
// languages.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { available, Server, launch, Visitor, languages, submit } from "./harness.mjs";

const skip = !available();
let server, browser, group;

before(async () => {
  if (skip) return;
  server = await Server.start();
  browser = await launch();
  const org = `/api/v1/orgs/${server.org.id}`;
  await server.api("PATCH", org, { seats: { premium: 4 } });
  await server.api("PUT", `${org}/license-assignment`, { mode: "group" });
  group = await server.api("POST", `${org}/groups`, { name: "Night shift", license: "premium" });
  const ada = await server.api("POST", `${org}/users`, { email: "ada@acme.example", firstName: "Ada", lastName: "Lovelace", license: "premium" });
  const sam = await server.api("POST", `${org}/users`, { email: "sam@acme.example", firstName: "Sam", lastName: "Stone" });
  await server.api("POST", `${org}/groups/${group.id}/members`, { userIds: [sam.id] });
  await server.api("POST", `${org}/users/${ada.id}/deactivate`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const orgJSON = () => server.api("GET", `/api/v1/orgs/${server.org.id}`);

test("default language and seats", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(server.orgPath("/settings"));
  await v.page.selectOption('[id="settings.defaultLanguage"]', "pl");
  let resp = await submit(v, 'form[action$="/settings"] button[type=submit]');
  assert.equal(resp.status(), 200);
  await v.check();
  assert.match(await v.page.innerText(".flash"), /Settings saved/);
  assert.equal((await orgJSON()).settings.defaultLanguage, "pl");

  await v.page.fill('[id="seats.premium"]', "-3");
  resp = await submit(v, 'form[action$="/seats"] button[type=submit]');
  assert.equal(resp.status(), 422);
  await v.check();
  assert.ok(await v.page.evaluate(() => document.activeElement.classList.contains("error-summary")), "the error summary has the focus");
  assert.equal((await orgJSON()).seats.premium, 4, "a refused form changes nothing");

  await v.page.fill('[id="seats.premium"]', "6");
  resp = await submit(v, 'form[action$="/seats"] button[type=submit]');
  assert.equal(resp.status(), 200);
  await v.check();
  assert.match(await v.page.innerText(".flash"), /Seats saved/);
  assert.equal((await orgJSON()).seats.premium, 6);
  await v.close();
});

test("a stale settings form", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(server.orgPath("/settings"));
  await server.api("PATCH", `/api/v1/orgs/${server.org.id}`, { name: "Acme Corp" });
  await v.page.fill("#name", "Acme Inc");
  const resp = await submit(v, 'form[action$="/settings"] button[type=submit]');
  assert.equal(resp.status(), 409);
  await v.check();
  assert.match(await v.page.innerText(".error-summary"), /Someone changed the settings after you opened the page/);
  assert.equal(await v.page.inputValue("#name"), "Acme Corp", "the page shows the current name");
  assert.equal((await orgJSON()).name, "Acme Corp");
  await server.api("PATCH", `/api/v1/orgs/${server.org.id}`, { name: "Acme" });
  await v.close();
});

test("an API token: its secret shown once, then deleted", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  const tokens = server.orgPath("/settings/tokens");
  await v.goto(tokens);
  await v.page.fill("#name", "Nightly export");
  await v.page.selectOption("#role", "read_only");
  const resp = await submit(v, "#create button[type=submit]");
  assert.equal(resp.status(), 200);
  await v.check();
  const secret = await v.page.inputValue("#secret");
  assert.match(secret, /^rst_/);
  const call = (s) => fetch(server.url + `/api/v1/orgs/${server.org.id}`, { headers: { Authorization: `Bearer ${s}` } });
  assert.equal((await call(secret)).status, 200, "the secret works");

  // Reloaded, the answer sends its form again: nothing is created and no secret is shown.
  const reloaded = await v.page.reload();
  assert.equal(reloaded.status(), 409);
  await v.check();
  assert.equal(await v.page.locator("#secret").count(), 0);
  assert.match(await v.page.innerText(".error-summary"), /This form was sent before/);
  assert.equal(await v.page.locator("tbody tr").count(), 1, "one token");

  // Opened again, the page lists the token but has no secret: it is nowhere to be read.
  await v.goto(tokens);
  assert.equal(await v.page.locator("#secret").count(), 0);
  assert.ok(!(await v.page.content()).includes(secret), "the secret is gone");
  assert.match(await v.page.innerText("table"), /Nightly export[\s\S]*Read-only administrator/);

  await Promise.all([v.page.waitForNavigation(), v.page.click('a[href$="/delete"]')]);
  await v.check();
  assert.equal(await v.page.innerText("h1"), "Delete the token “Nightly export”?");
  assert.ok(await v.page.evaluate(() => document.activeElement.textContent.trim() === "Cancel"), "Cancel has the focus");
  await submit(v, "main form button.danger");
  await v.check();
  assert.match(await v.page.innerText(".flash"), /was deleted/);
  assert.equal((await call(secret)).status, 401, "a deleted token is refused");
  await v.close();
});

test("license usage", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(server.orgPath("/licenses"));
  const premium = await v.page.innerText("#license-premium");
  assert.match(premium, /2 of \d seats used/);
  assert.match(premium, /Night shift\s+1/);
  assert.match(await v.page.innerText("main"), /Inactive users keep their license/);
  assert.equal(await v.page.locator("#license-premium svg rect.seat-used").count(), 1);
  await Promise.all([v.page.waitForNavigation(), v.page.click("#license-premium a:has-text('Night shift')")]);
  await v.check();
  assert.match(v.page.url(), new RegExp(`license=premium&group=${group.id}`));
  assert.match(await v.page.innerText("main"), /sam@acme\.example/);
  await v.close();
});

test("the pages in every language", { skip }, async () => {
  for (const lang of languages) {
    const v = await Visitor.open(browser, server, lang);
    await v.signIn();
    await v.goto(server.orgPath("/settings"), { name: "settings" });
    await v.goto(server.orgPath("/settings/platform?platform=1.0"), { name: "settings-platform" });
    await v.goto(server.orgPath("/licenses"), { name: "licenses" });
    await v.goto(server.orgPath("/settings/tokens"));
    await v.page.fill("#name", `Token ${lang}`);
    const resp = await submit(v, "#create button[type=submit]");
    assert.equal(resp.status(), 200);
    await v.check("token-created");
    await v.page.selectOption("#role", "read_only");
    await v.page.fill("#name", "x".repeat(300));
    assert.equal((await submit(v, "#create button[type=submit]")).status(), 422);
    await v.check("token-error");
    await Promise.all([v.page.waitForNavigation(), v.page.click('a[href$="/delete"] >> nth=0')]);
    await v.check("token-delete");
    await v.close();
  }
});
