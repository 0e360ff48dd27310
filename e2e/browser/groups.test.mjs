// Groups and automatic license assignment in a real browser: a premium group gives its
// members premium, removing one (after a confirmation that counts) makes it fall back to its
// own license; the template applied to existing users needs a dry run and the confirmation
// of the custom user profiles it resets; and the pages in all five languages.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { available, Server, launch, Visitor, languages, submit } from "./harness.mjs";

const skip = !available();
let server, browser;
const users = {};
let groupID, dryRunID;

before(async () => {
  if (skip) return;
  server = await Server.start();
  browser = await launch();
  const org = `/api/v1/orgs/${server.org.id}`;
  const create = (body) => server.api("POST", `${org}/users`, body);
  users.ada = await create({ email: "ada@acme.example", firstName: "Ada", lastName: "Lovelace" });
  users.bob = await create({ email: "bob@acme.example", firstName: "Bob", lastName: "Berg", license: "standard" });
  users.eve = await create({ email: "eve@acme.example", firstName: "Eve", lastName: "Ek", license: "premium" });
  const profile = await server.api("POST", `${org}/contact-center/user-profiles`, { name: "Night desk", type: "premium_agent" });
  const r = await fetch(`${server.url}${org}/users/${users.eve.id}`, {
    method: "PATCH", body: JSON.stringify({ userProfileId: profile.id }),
    headers: { Authorization: `Bearer ${server.system}`, "Content-Type": "application/json", "If-Match": "*" },
  });
  assert.equal(r.status, 200, await r.text());
  await server.api("PUT", `${org}/license-assignment`, { mode: "group" });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const user = (u) => server.api("GET", `/api/v1/orgs/${server.org.id}/users/${u.id}`);

/** finished opens a task's page until the task has ended. */
async function finished(v, path) {
  for (let i = 0; i < 100; i++) {
    await v.goto(path);
    if (!(await v.page.$("[data-progress-url]"))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${path} did not finish`);
}

test("a premium group: members, their licenses and sources, and a fall back", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(server.orgPath("/groups"));
  assert.match(await v.page.innerText("main"), /Automatic license assignment: by group/);
  await v.page.fill("#name", "Premium agents");
  await v.page.selectOption("#license", "premium");
  let resp = await submit(v, `form[action$="/groups"] button[type=submit]`);
  assert.equal(resp.status(), 200);
  await v.check();
  assert.match(await v.page.innerText(".flash"), /Group Premium agents created/);
  groupID = v.page.url().split("/groups/")[1];

  await v.page.fill("#emails", "ada@acme.example\nBOB@acme.example; nobody@acme.example");
  resp = await submit(v, `form[action$="/members"] button[type=submit]`);
  assert.equal(resp.status(), 422, "an unknown address is shown, the others added");
  await v.check("group-add-error");
  assert.match(await v.page.innerText(".flash"), /2 members added/);
  assert.match(await v.page.innerText(".error-summary"), /nobody@acme\.example: no user of this organization/);
  assert.equal(await v.page.inputValue("#emails"), "nobody@acme.example");
  assert.equal((await user(users.ada)).license, "premium");
  assert.equal((await user(users.bob)).license, "premium");

  // The user's page says where the license comes from, linked to the group.
  await v.goto(server.orgPath(`/users/${users.bob.id}`), { name: "user-group-sources" });
  const sources = await v.page.innerText("#sources");
  assert.match(sources, /Premium agents/);
  assert.match(sources, /Chosen by an administrator/, "his own standard license is a source too");
  assert.ok(await v.page.$(`#groups a[href$="/groups/${groupID}"]`), "the group links to its page");

  // Removing bob: the confirmation counts first, and Cancel has the focus.
  await v.goto(server.orgPath(`/groups/${groupID}`));
  await v.page.check(`input[aria-label="Select bob@acme.example"]`);
  resp = await submit(v, `form[action$="/members/remove"] button[type=submit]`);
  assert.equal(resp.status(), 200);
  await v.check();
  const confirm = await v.page.innerText("main");
  assert.match(confirm, /1 selected user leaves the group/);
  assert.match(confirm, /1 user loses the license inherited from this group/);
  assert.ok(await v.page.evaluate(() => document.activeElement.textContent.trim() === "Cancel"), "Cancel has the focus");
  assert.equal((await user(users.bob)).license, "premium", "the confirmation changes nothing");
  resp = await submit(v, "main form button.danger");
  assert.equal(resp.status(), 200);
  await v.check();
  assert.match(await v.page.innerText(".flash"), /1 member removed/);
  const bob = await user(users.bob);
  assert.equal(bob.license, "standard", "bob falls back to his own license");
  await v.goto(server.orgPath(`/users/${users.bob.id}`));
  assert.doesNotMatch(await v.page.innerText("#sources"), /Premium agents/);
  assert.doesNotMatch(await v.page.innerText("#groups"), /Premium agents/);
  assert.equal((await user(users.ada)).license, "premium", "ada keeps the group's license");
  await v.close();
});

test("apply to existing users: dry run, then the confirmed profile reset, then revert", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(server.orgPath("/license-assignment"));
  assert.match(await v.page.innerText("main"), /Applies to new users; existing users are not changed/);
  await v.page.check("#mode-org");
  await v.page.selectOption("#license", "standard");
  let resp = await submit(v, `form[action$="/license-assignment"] button[type=submit]`);
  assert.equal(resp.status(), 200);
  await v.check();
  assert.match(await v.page.innerText(".flash"), /Automatic license assignment saved/);

  await v.page.uncheck("#preserveLicenses");
  resp = await submit(v, `form[action$="/dry-run"] button[type=submit]`);
  dryRunID = v.page.url().split("/tasks/")[1];
  await finished(v, server.orgPath(`/tasks/${dryRunID}`));
  const dry = await v.page.innerText("main");
  assert.match(dry, /Dry run: template applied to existing users/);
  assert.match(dry, /eve@acme\.example/);
  assert.match(dry, /From Premium agent to Standard agent/);
  assert.match(dry, /Reset to the default profile/);
  assert.match(dry, /This is not recommended/);
  assert.equal((await user(users.eve)).license, "premium", "the dry run changes nothing");

  // Without the tick, the real run is refused at the box.
  resp = await submit(v, `form[action*="/license-assignment/apply/"] button[type=submit]`);
  assert.equal(resp.status(), 422);
  await v.check("apply-unconfirmed");
  assert.match(await v.page.innerText(".error-summary"), /Tick the box to confirm/);
  await v.page.check("#confirmProfileReset");
  resp = await submit(v, `form[action*="/license-assignment/apply/"] button[type=submit]`);
  assert.equal(resp.status(), 200);
  const realID = v.page.url().split("/tasks/")[1];
  assert.notEqual(realID, dryRunID);
  await finished(v, server.orgPath(`/tasks/${realID}`));
  const eve = await user(users.eve);
  assert.equal(eve.license, "standard");
  assert.ok(!eve.userProfileId, "the custom profile was reset");

  // The revert, from the task's page, puts eve back.
  resp = await submit(v, `form[action$="/revert"] button[type=submit]`);
  assert.equal(resp.status(), 200);
  const revertID = v.page.url().split("/tasks/")[1];
  await finished(v, server.orgPath(`/tasks/${revertID}`));
  assert.equal((await user(users.eve)).license, "premium");
  await v.close();
});

test("the groups pages in every language", { skip }, async () => {
  for (const lang of languages) {
    const v = await Visitor.open(browser, server, lang);
    await v.signIn();
    await v.goto(server.orgPath("/groups"), { name: "groups" });
    await v.goto(server.orgPath(`/groups/${groupID}`), { name: "group" });
    await v.goto(server.orgPath(`/groups/${groupID}/delete`), { name: "group-delete" });
    await v.goto(server.orgPath(`/groups/${groupID}`));
    await v.page.check(`input[aria-label*="ada@acme.example"]`);
    const resp = await submit(v, `form[action$="/members/remove"] button[type=submit]`);
    assert.equal(resp.status(), 200);
    await v.check("group-remove");
    await v.goto(server.orgPath("/license-assignment"), { name: "license-assignment" });
    await v.goto(server.orgPath(`/tasks/${dryRunID}`), { name: "apply-dry-run" });
    await v.setLanguage("en");
    await v.close();
  }
});
