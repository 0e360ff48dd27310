// The contact center pages in a real browser: Service Details with Synchronize Users and its
// task, a site and a team created from their lists, the site refusing deletion while it has
// the team, a rename, and the pages in all five languages.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { available, Server, launch, Visitor, languages, submit } from "./harness.mjs";

const skip = !available();
let server, browser;

before(async () => {
  if (skip) return;
  server = await Server.start();
  browser = await launch();
  await server.api("POST", `/api/v1/orgs/${server.org.id}/users`,
    { email: "ada@acme.example", firstName: "Ada", lastName: "Lovelace", license: "standard" });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("Service Details and Synchronize Users", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(server.orgPath("/contact-center"), { name: "cc" });
  const main = await v.page.innerText("main");
  assert.match(main, /Sync runs by itself after every change/);
  assert.match(main, /New platform/);
  const resp = await submit(v, `form[action$="/synchronize"] button`);
  assert.equal(resp.status(), 200);
  const id = v.page.url().split("/tasks/")[1];
  assert.ok(id, "the task's page follows");
  assert.equal((await server.finished(id)).state, "completed");
  await v.goto(server.orgPath(`/tasks/${id}`), { name: "cc-sync-task" });
  assert.match(await v.page.innerText("main"), /Synchronize Users/);
  await v.close();
});

test("a site and its team; the site in use refuses deletion", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(server.orgPath("/contact-center/sites"));
  await v.page.fill("#name", "Stockholm");
  let resp = await submit(v, `form.card button[type=submit]`);
  assert.equal(resp.status(), 200);
  await v.check("cc-sites");
  assert.match(await v.page.innerText(".flash"), /Stockholm was created/);

  await v.goto(server.orgPath("/contact-center/teams"));
  await v.page.fill("#name", "Tier 1");
  await v.page.selectOption("#siteId", { label: "Stockholm" });
  resp = await submit(v, `form.card button[type=submit]`);
  assert.equal(resp.status(), 200);
  await v.check("cc-teams");
  assert.match(await v.page.innerText("main"), /Tier 1/);

  await v.goto(server.orgPath("/contact-center/sites"));
  resp = await submit(v, `button[aria-label="Delete Stockholm"]`);
  assert.equal(resp.status(), 422);
  await v.check("cc-site-in-use");
  assert.match(await v.page.innerText(".error-summary"), /This site cannot be deleted: it still has teams or agents/);

  await v.page.fill(`input[name=name][value="Stockholm"]`, "Göteborg");
  resp = await submit(v, `form.inline button:has-text("Rename")`);
  assert.equal(resp.status(), 200);
  assert.match(await v.page.innerText("main"), /Göteborg/);
  await v.close();
});

test("the contact center pages in every language", { skip }, async () => {
  for (const lang of languages) {
    const v = await Visitor.open(browser, server, lang);
    await v.signIn();
    for (const p of ["/contact-center", "/contact-center/sites", "/contact-center/user-profiles", "/contact-center/agents"]) {
      await v.goto(server.orgPath(p), { name: `cc-${lang}${p.replaceAll("/", "-")}` });
    }
    await v.close();
  }
});
