// The "Add or modify users" wizard in a real browser: both entry modes on a new-platform and a
// Contact Center 1.0 organization, reading the summary; keyboard-only use; every step in the
// five languages, checked and photographed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { available, Server, launch, Visitor, languages } from "./harness.mjs";

const skip = !available();
let server, server10, browser;

before(async () => {
  if (skip) return;
  [server, server10] = await Promise.all([Server.start(), Server.start({ platform: "1.0" })]);
  browser = await launch();
  for (const s of [server, server10]) {
    await s.api("PATCH", `/api/v1/orgs/${s.org.id}`, { seats: { premium: 3 } });
    await s.api("POST", `/api/v1/orgs/${s.org.id}/users/batch`, { entries: [{ email: "std@acme.example", firstName: "Sam", lastName: "Standard" }], license: "standard" });
    // Someone of another organization (a trial, say) holds this address.
    const trial = await s.api("POST", "/api/v1/orgs", { name: "Secret Trial Org" });
    await s.api("POST", `/api/v1/orgs/${trial.id}/users/batch`, { entries: [{ email: "trial@acme.example" }] });
  }
});

after(async () => {
  await browser?.close();
  await Promise.all([server?.stop(), server10?.stop()]);
});

/** go clicks what sel names and waits for the page it leads to. */
async function go(v, sel) {
  await Promise.all([v.page.waitForNavigation(), v.page.click(sel)]);
}

const next = "main form button[name=next]";
const back = "main form button[name=back]";

/** emailsStep opens the wizard from the users list and goes to the emails text area. */
async function emailsStep(v, s, shots = {}) {
  await v.goto(s.orgPath("/users"));
  await go(v, `main .actions a[href="${s.orgPath("/users/add")}"]`);
  await v.check(shots.start);
  assert.ok(await v.page.isChecked("#mode-emails"), "emails only is the default mode");
  await go(v, next);
  await v.check(shots.who);
}

test("emails only on the new platform: errors, seats, review, summary, its CSV, the failed ones again", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await emailsStep(v, server);
  await v.page.fill("#emails", "ann@acme.example, not-an-address");
  await go(v, next);
  await v.check();
  assert.ok(await v.page.evaluate(() => document.activeElement.classList.contains("error-summary")), "the error summary has the focus");
  assert.match(await v.page.innerText(".error-summary"), /not-an-address/);
  assert.equal(await v.page.inputValue("#emails"), "ann@acme.example, not-an-address");

  await v.page.fill("#emails", "ann@acme.example\nSTD@acme.example, trial@acme.example; ann@acme.example");
  await go(v, next);
  await v.check();
  const license = await v.page.innerText("main");
  assert.match(license, /all 3 people/);
  assert.match(license, /Premium agent: 3 seats left, this adds up to 2/);
  await v.page.check("#license-premium");
  await v.page.check("#role-supervisor");
  await go(v, next);
  await v.check();
  const review = await v.page.innerText("main");
  assert.match(review, /New user with Premium agent – Supervisor/);
  assert.match(review, /License changes from Standard agent to Premium agent – Supervisor/);
  assert.match(review, /use another address, or the other organization/);
  assert.doesNotMatch(review, /Secret Trial Org/);

  // Back and Next keep everything.
  await go(v, back);
  assert.ok(await v.page.isChecked("#role-supervisor"));
  await go(v, next);
  await go(v, next); // Save
  await v.check();
  assert.match(v.page.url(), /\/users\/add\/summary\//);
  const summary = await v.page.innerText("main");
  assert.match(summary, /Summary of records processed/);
  assert.match(summary, /Created\s+1\s+Updated\s+1\s+Unchanged\s+0\s+Failed\s+1/);
  assert.match(summary, /Created with Premium agent – Supervisor/);
  assert.doesNotMatch(summary, /Secret Trial Org/);

  const [download] = await Promise.all([v.page.waitForEvent("download"), v.page.click("text=Download (CSV)")]);
  const csv = readFileSync(await download.path(), "utf8");
  assert.match(csv, /Row,Email,Outcome,Code,Message/);
  assert.match(csv, /3,trial@acme\.example,error,email_in_other_org,/);

  await go(v, "main button:has-text('Try the failed ones again')");
  await v.check();
  assert.equal(await v.page.inputValue("#emails"), "trial@acme.example");
  await v.close();
});

test("names and email addresses on the new platform: rows added and removed without a script", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(server.orgPath("/users/add"));
  await v.page.check("#mode-names");
  await go(v, next);
  await v.check();
  assert.equal(await v.page.locator("fieldset.person").count(), 5);
  await v.page.fill("#firstName-0", "Bea");
  await v.page.fill("#lastName-0", "Bright");
  await v.page.fill("#email-0", "bea@acme.example");
  await v.page.fill("#firstName-1", "Wrong");
  await v.page.fill("#email-1", "wrong@acme.example");
  await go(v, "main button[name=add]");
  await v.check();
  assert.equal(await v.page.locator("fieldset.person").count(), 6);
  assert.match(await v.page.innerText("main"), /6 of 25/);
  await v.page.fill("#firstName-5", "Cid");
  await v.page.fill("#email-5", "BEA@acme.example");
  await go(v, "main button[name=remove][value='1']");
  assert.equal(await v.page.inputValue("#email-1"), "");
  assert.equal(await v.page.inputValue("#email-4"), "BEA@acme.example");
  // A repeated address is flagged at its row.
  await go(v, next);
  await v.check();
  assert.match(await v.page.innerText("#email-4-error"), /earlier line/);
  assert.equal(await v.page.getAttribute("#email-4", "aria-invalid"), "true");
  await v.page.fill("#email-4", "cid@acme.example");
  await go(v, next);
  await v.page.check("#license-standard");
  await go(v, next);
  await go(v, next);
  await v.check();
  const summary = await v.page.innerText("main");
  assert.match(summary, /Created\s+2/);
  assert.match(summary, /Bea Bright/);
  await go(v, "text=Finish");
  assert.match(v.page.url(), /\/users$/);
  assert.match(await v.page.innerText("main"), /bea@acme\.example/);
  await v.close();
});

test("Contact Center 1.0: licensed agent with three types, administrator shown disabled, both modes", { skip }, async () => {
  const v = await Visitor.open(browser, server10, "en");
  await v.signIn();
  await emailsStep(v, server10);
  await v.page.fill("#emails", "dora@acme.example\nstd@acme.example");
  await go(v, next);
  await v.check();
  assert.ok(await v.page.isDisabled("#administrator"), "the administrator box is disabled");
  assert.match(await v.page.innerText("main"), /on Contact Center 1\.0 a supervisor cannot be an administrator/);
  assert.equal(await v.page.locator("input[name=agentType]").count(), 3);
  await v.page.check("#licensed");
  await v.page.check("#agentType-supervisor");
  await go(v, next);
  await v.check();
  assert.match(await v.page.innerText("main"), /Premium agent – Supervisor role/);
  await go(v, next);
  await v.check();
  assert.match(await v.page.innerText("main"), /Created\s+1\s+Updated\s+1/);

  await v.goto(server10.orgPath("/users/add"));
  await v.page.check("#mode-names");
  await go(v, next);
  await v.page.fill("#firstName-0", "Eve");
  await v.page.fill("#email-0", "eve@acme.example");
  await go(v, next);
  await v.page.check("#unlicensed-none");
  await go(v, next);
  assert.match(await v.page.innerText("main"), /New user with No license/);
  await go(v, next);
  await v.check();
  assert.match(await v.page.innerText("main"), /Created\s+1/);
  await v.close();
});

/** tabTo presses Tab until the focus is on what sel names. */
async function tabTo(page, sel, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s), sel)) return;
  }
  throw new Error(`Tab never reached ${sel}`);
}

/** press presses key on the focused control and waits for the page it leads to. */
async function press(page, key) {
  await Promise.all([page.waitForNavigation(), page.keyboard.press(key)]);
}

test("keyboard only: Tab, Enter and Space through the whole wizard", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(server.orgPath("/users"));
  const p = v.page;
  await tabTo(p, `a[href="${server.orgPath("/users/add")}"]`);
  await press(p, "Enter");
  await tabTo(p, "button[name=next]");
  const outline = await p.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, "none", "the focused button shows its focus");
  await press(p, "Enter");
  await tabTo(p, "#emails");
  await p.keyboard.type("kim@acme.example\nlee@acme.example");
  await tabTo(p, "button[name=next]");
  await press(p, "Enter");
  await v.check();
  await tabTo(p, "#license-standard");
  await p.keyboard.press("Space");
  assert.ok(await p.isChecked("#license-standard"));
  await tabTo(p, "button[name=next]");
  await press(p, "Space");
  await v.check();
  assert.match(await p.innerText("main"), /New user with Standard agent/);
  await tabTo(p, "button[name=next]");
  await press(p, "Enter");
  await v.check();
  assert.match(await p.innerText("main"), /Created\s+2/);
  await tabTo(p, `main a.button[href="${server.orgPath("/users")}"]`);
  await press(p, "Enter");
  assert.match(p.url(), /\/users$/);
  await v.close();
});

test("every step in every language, both platforms", { skip }, async () => {
  for (const lang of languages) {
    const v = await Visitor.open(browser, server, lang);
    await v.signIn();
    await emailsStep(v, server, { start: "wizard-1-start", who: "wizard-2-who-emails" });
    await v.page.fill("#emails", "x, y@");
    await go(v, next);
    await v.check("wizard-2-who-error");
    await v.page.fill("#emails", `${lang}1@acme.example\nstd@acme.example\ntrial@acme.example`);
    await go(v, next);
    await v.check("wizard-3-license");
    await go(v, next); // no choice
    await v.check("wizard-3-license-error");
    await v.page.check("#license-premium");
    await go(v, next);
    await v.check("wizard-4-review");
    await go(v, next);
    await v.check("wizard-5-summary");
    await v.goto(server.orgPath("/users/add"));
    await v.page.check("#mode-names");
    await go(v, next);
    await v.page.fill("#email-0", "bad address");
    await go(v, "main button[name=add]");
    await v.check("wizard-2-who-names");
    await go(v, next);
    await v.check("wizard-2-who-names-error");
    await v.setLanguage("en");
    await v.close();

    const w = await Visitor.open(browser, server10, lang);
    await w.signIn();
    await w.goto(server10.orgPath("/users/add"));
    await go(w, next);
    await w.page.fill("#emails", `${lang}2@acme.example`);
    await go(w, next);
    await w.check("wizard-3-license-1.0");
    await w.page.check("#licensed");
    await w.page.check("#agentType-premium");
    await go(w, next);
    await w.check("wizard-4-review-1.0");
    await w.setLanguage("en");
    await w.close();
  }
});
