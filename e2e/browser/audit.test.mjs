// The invitations outbox and the audit log in a real browser: without a mail server the
// messages wait in the outbox with their links, one is sent again and then all pending ones
// (a task), and the audit log shows what that task changed, filtered by it; both pages, a
// filter and a refused filter in all five languages.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { available, Server, launch, Visitor, languages, submit } from "./harness.mjs";

const skip = !available();
let server, browser;
const users = {};

before(async () => {
  if (skip) return;
  server = await Server.start(); // no ROSTER_SMTP_URL: the outbox keeps every message
  browser = await launch();
  const create = (body) => server.api("POST", `/api/v1/orgs/${server.org.id}/users`, body);
  users.ada = await create({ email: "ada@acme.example", firstName: "Ada", lastName: "Lovelace", license: "standard" });
  users.bo = await create({ email: "bo@acme.example", firstName: "Bo", lastName: "Berg", preferredLanguage: "sv" });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

let taskID;

test("the outbox without a mail server: messages wait, one and all are sent again", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(server.orgPath("/outbox"), { name: "outbox" });
  const main = () => v.page.innerText("main");
  assert.match(await main(), /messages wait here until ROSTER_SMTP_URL is set/);
  const ada = v.page.locator("section.card", { hasText: "ada@acme.example" }).first();
  assert.match(await ada.innerText(), /Waiting to be sent/);
  assert.match(await ada.locator("a.invite-link").getAttribute("href"), /\/invite\//, "a full administrator reads the link");
  const oldLink = await ada.locator("a.invite-link").getAttribute("href");

  // One message sent again: a new one on top, the old one not sent and its link gone.
  let resp = await submit(v, `section.card:has-text("ada@acme.example") >> nth=0 >> button:has-text("Send a new invitation")`);
  assert.equal(resp.status(), 200);
  await v.check();
  assert.match(await v.page.innerText(".flash"), /A new invitation is in the outbox/);
  const html = await v.page.content();
  assert.ok(!html.includes(oldLink), "the replaced link is no longer shown");
  assert.match(await main(), /Not sent: a newer invitation replaced this one/);

  // All pending users: a task, whose page follows.
  resp = await submit(v, `form[action$="/outbox/resend-all"] button`);
  assert.equal(resp.status(), 200);
  taskID = v.page.url().split("/tasks/")[1];
  assert.ok(taskID, "the task's page follows");
  const task = await server.finished(taskID);
  assert.equal(task.state, "completed");
  await v.goto(server.orgPath(`/tasks/${taskID}`), { name: "outbox-task" });
  assert.match(await main(), /Invitations sent again/);
  await v.close();
});

test("the audit log filtered by a task, from the task's page", { skip }, async () => {
  assert.ok(taskID, "the outbox test ran first");
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(server.orgPath(`/tasks/${taskID}`));
  await Promise.all([v.page.waitForNavigation(), v.page.click(`a[href$="/audit?task=${taskID}"]`)]);
  await v.check("audit-task");
  assert.equal(await v.page.inputValue("#task"), taskID, "the filter shows the task");
  const rows = v.page.locator("main > .table-wrap > table > tbody > tr");
  const texts = await rows.allInnerTexts();
  assert.ok(texts.length >= 2, "the task's entries are listed");
  for (const t of texts) assert.match(t, /Invitation sent/);
  for (const who of ["ada@acme.example", "bo@acme.example"]) assert.ok(texts.some((t) => t.includes(who)), who);
  assert.match(texts[0], /Invitation expires/);

  // The filter form: entries of one action about one person, by email.
  await v.goto(server.orgPath("/audit"));
  await v.page.fill("#target", "ada@acme.example");
  await v.page.selectOption("#action", "user.create");
  const resp = await submit(v, `form[role=search] button[type=submit]`);
  assert.equal(resp.status(), 200);
  await v.check("audit-filtered");
  const filtered = await rows.allInnerTexts();
  assert.equal(filtered.length, 1);
  assert.match(filtered[0], /User created[\s\S]*ada@acme\.example[\s\S]*Standard agent/);

  // A day that is not one: said at the field, with the value kept.
  await v.goto(server.orgPath("/audit?since=22.11.2026"), { status: 422, name: "audit-error" });
  assert.match(await v.page.innerText("#since-error"), /YYYY-MM-DD/);
  await v.close();
});

test("outbox and audit log in every language", { skip }, async () => {
  for (const lang of languages) {
    const v = await Visitor.open(browser, server, lang);
    await v.signIn();
    await v.goto(server.orgPath("/outbox"), { name: "outbox" });
    await v.goto(server.orgPath("/outbox?state=failed"), { name: "outbox-failed" });
    await v.goto(server.orgPath("/audit"), { name: "audit" });
    if (taskID) await v.goto(server.orgPath(`/audit?task=${taskID}`), { name: "audit-task" });
    await v.goto(server.orgPath("/audit?since=2026-11-22&until=2026-11-01"), { status: 422, name: "audit-error" });
    await v.setLanguage("en");
    await v.close();
  }
});
