// The user details page in a real browser: a license change (with the question a supervisor
// who loses premium asks), an edit made stale by another administrator between opening and
// saving, and the page and its confirmation pages in all five languages.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { available, Server, launch, Visitor, languages, submit } from "./harness.mjs";

const skip = !available();
let server, browser;
const users = {};

before(async () => {
  if (skip) return;
  server = await Server.start();
  browser = await launch();
  const create = (body) => server.api("POST", `/api/v1/orgs/${server.org.id}/users`, body);
  users.ada = await create({ email: "ada@acme.example", firstName: "Ada", lastName: "Lovelace", license: "standard", phoneNumber: "+46812345678" });
  users.sue = await create({ email: "sue@acme.example", firstName: "Sue", lastName: "Svensson", license: "premium", ccRole: "supervisor" });
  users.sam = await create({ email: "sam@acme.example", firstName: "Łukasz", lastName: "Żółć", license: "premium", ccRole: "supervisor" });
  const group = await server.api("POST", `/api/v1/orgs/${server.org.id}/groups`, { name: "Night shift" });
  await server.api("POST", `/api/v1/orgs/${server.org.id}/groups/${group.id}/members`, { userIds: [users.sam.id] });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const userPath = (u, rest = "") => server.orgPath(`/users/${u.id}${rest}`);

test("a license change, and premium taken from a supervisor", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(userPath(users.ada));
  await v.page.check("#license-premium");
  await v.page.check("#ccRole-supervisor");
  let resp = await submit(v, `form[action$="/license"] button[type=submit]`);
  assert.equal(resp.status(), 200);
  await v.check();
  assert.match(await v.page.innerText(".flash"), /Your changes were saved/);
  assert.match(await v.page.innerText("#license"), /Premium agent[\s\S]*Supervisor/);
  assert.match(await v.page.innerText("#activity"), /User changed/);

  // Premium taken from a supervisor: the question first, then both in one request.
  await v.goto(userPath(users.sue));
  await v.page.check("#license-standard");
  resp = await submit(v, `form[action$="/license"] button[type=submit]`);
  assert.equal(resp.status(), 200);
  await v.check();
  assert.equal(await v.page.innerText("h1"), "Also remove the supervisor role?");
  assert.ok(await v.page.evaluate(() => document.activeElement.textContent.trim() === "Cancel"), "Cancel has the focus");
  let sue = await server.api("GET", `/api/v1/orgs/${server.org.id}/users/${users.sue.id}`);
  assert.equal(sue.license, "premium", "the question changes nothing");
  resp = await submit(v, "main form button.danger");
  assert.equal(resp.status(), 200);
  await v.check();
  sue = await server.api("GET", `/api/v1/orgs/${server.org.id}/users/${users.sue.id}`);
  assert.equal(sue.license, "standard");
  assert.equal(sue.ccRole, "agent");
  await v.close();
});

test("an edit made stale by another administrator", { skip }, async () => {
  const first = await Visitor.open(browser, server, "en");
  await first.signIn();
  const second = await Visitor.open(browser, server, "en");
  await second.signIn();
  await first.goto(userPath(users.ada));
  await second.goto(userPath(users.ada));

  await second.page.fill("#firstName", "Augusta");
  let resp = await submit(second, `form[action$="/profile"] button[type=submit]`);
  assert.equal(resp.status(), 200);

  await first.page.fill("#firstName", "Eve");
  await first.page.fill("#department", "Night shift");
  resp = await submit(first, `form[action$="/profile"] button[type=submit]`);
  assert.equal(resp.status(), 409);
  await first.check("user-stale");
  assert.match(await first.page.innerText(".error-summary"), /Someone changed this user after you opened the page/);
  assert.ok(await first.page.evaluate(() => document.activeElement.classList.contains("error-summary")), "the summary has the focus");
  assert.equal(await first.page.inputValue("#firstName"), "Augusta", "the page shows the current values");
  assert.equal(await first.page.inputValue("#department"), "");

  // An API change between opening and saving is just as stale.
  await first.goto(userPath(users.ada));
  const patched = await fetch(`${server.url}/api/v1/orgs/${server.org.id}/users/${users.ada.id}`, {
    method: "PATCH", body: JSON.stringify({ title: "Countess" }),
    headers: { Authorization: `Bearer ${server.system}`, "Content-Type": "application/json", "If-Match": "*" },
  });
  assert.equal(patched.status, 200);
  // Ada is a premium supervisor by now: a stale form is refused before any question.
  await first.page.check("#license-none");
  resp = await submit(first, `form[action$="/license"] button[type=submit]`);
  assert.equal(resp.status(), 409);
  await first.check();
  const ada = await server.api("GET", `/api/v1/orgs/${server.org.id}/users/${users.ada.id}`);
  assert.equal(ada.firstName, "Augusta");
  assert.equal(ada.title, "Countess");
  assert.notEqual(ada.license, "none", "the stale license form changed nothing");
  await first.close();
  await second.close();
});

test("the user details page and its confirmation pages in every language", { skip }, async () => {
  for (const lang of languages) {
    const v = await Visitor.open(browser, server, lang);
    await v.signIn();
    await v.goto(userPath(users.sam), { name: "user" });
    await v.goto(userPath(users.sam, "/deactivate"), { name: "user-deactivate" });
    await v.goto(userPath(users.sam, "/delete"), { name: "user-delete" });
    assert.match(await v.page.innerText("main"), /1/, "the group the user leaves is counted");
    await v.goto(userPath(users.sam));
    await v.page.check("#license-none");
    const resp = await submit(v, `form[action$="/license"] button[type=submit]`);
    assert.equal(resp.status(), 200);
    await v.check("user-remove-supervisor");
    await v.setLanguage("en");
    await v.close();
  }
});
