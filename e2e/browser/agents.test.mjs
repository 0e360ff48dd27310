// The agents list and the agent update template in a real browser: the template downloaded
// from the upload page, uploaded back with a site the organization does not have, that row
// reported on the task's page at its column while the others apply; the list filtered by
// contact-center enabled; and these pages in all five languages, the upload form's error
// state included.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { available, Server, launch, Visitor, languages, submit } from "./harness.mjs";

const skip = !available();
let server, browser, uploadTask;

before(async () => {
  if (skip) return;
  server = await Server.start();
  browser = await launch();
  const org = `/api/v1/orgs/${server.org.id}`;
  for (const [email, first] of [["ada@acme.example", "Ada"], ["bo@acme.example", "Bo"]]) {
    await server.api("POST", `${org}/users`, { email, firstName: first, lastName: "Lovelace", license: "standard" });
  }
  await server.api("POST", `${org}/contact-center/sites`, { name: "Stockholm" });
  // Sync gives the licensed users their agents by itself, shortly after they are created.
  for (let i = 0; ; i++) {
    const agents = await server.api("GET", `${org}/contact-center/agents`);
    if (agents.items.filter((a) => a.email !== server.adminEmail && a.email.endsWith("@acme.example")).length >= 2) break;
    if (i > 300) throw new Error("sync made no agents");
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** withCell returns the CSV text with the cell of column in the row of email set to value. */
function withCell(csv, email, column, value) {
  const lines = csv.replace(/^\uFEFF/, "").split("\r\n");
  const col = lines[0].split(",").indexOf(column);
  assert.ok(col >= 0, `the template has the column ${column}: ${lines[0]}`);
  let found = false;
  const out = lines.map((line) => {
    const cells = line.split(",");
    if (cells.includes(email)) { cells[col] = value; found = true; }
    return cells.join(",");
  });
  assert.ok(found, `the template has a row for ${email}`);
  return out.join("\r\n");
}

test("the template downloads, and an unknown site is reported on its row", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(server.orgPath("/contact-center/agents"));
  await submit(v, `a[href$="/contact-center/agents-upload"]`);
  await v.check("cc-agents-upload");

  const [download] = await Promise.all([v.page.waitForEvent("download"), v.page.click(`main a[href$="/contact-center/agents.csv"] >> nth=0`)]);
  assert.equal(download.suggestedFilename(), "agents.csv");
  const template = readFileSync(await download.path(), "utf8");
  assert.match(template, /^\uFEFF?Email,/);
  assert.match(template, /ada@acme\.example/);
  let edited = withCell(template, "ada@acme.example", "Site", "Paris");
  edited = withCell(edited, "bo@acme.example", "Site", "stockholm");

  await v.page.setInputFiles("#file", { name: "agents.csv", mimeType: "text/csv", buffer: Buffer.from(edited) });
  const resp = await submit(v, `form[action$="/agents-upload"] button[type=submit]`);
  assert.equal(resp.status(), 200);
  uploadTask = v.page.url().split("/tasks/")[1];
  assert.ok(uploadTask, "the task's page follows");
  const t = await server.finished(uploadTask);
  assert.equal(t.state, "completed_with_errors");
  assert.equal(t.counts.errors, 1);
  await v.goto(server.orgPath(`/tasks/${uploadTask}`), { name: "cc-agents-upload-task" });
  const row = await v.page.innerText(`tr:has-text("ada@acme.example")`);
  assert.match(row, /Site/);
  assert.match(row, /The column Site names Paris, which this organization does not have/);
  assert.doesNotMatch(await v.page.innerText("main"), /bo@acme\.example.*Paris/);

  const agents = await server.api("GET", `/api/v1/orgs/${server.org.id}/contact-center/agents?q=bo@`);
  assert.notEqual(agents.items[0].siteId, "", "the good row applied");
  await v.close();
});

test("the agents list filters by contact-center enabled", { skip }, async () => {
  const org = `/api/v1/orgs/${server.org.id}`;
  const bo = (await server.api("GET", `${org}/contact-center/agents?q=bo@`)).items[0];
  await server.api("PATCH", `${org}/contact-center/agents/${bo.userId}`, { contactCenterEnabled: false });
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(server.orgPath("/contact-center/agents"));
  await v.page.selectOption("#contactCenterEnabled", "false");
  const resp = await submit(v, `form[role=search] button[type=submit]`);
  assert.equal(resp.status(), 200);
  assert.match(v.page.url(), /contactCenterEnabled=false/);
  await v.check("cc-agents-not-enabled");
  const main = await v.page.innerText("main table");
  assert.match(main, /bo@acme\.example/);
  assert.doesNotMatch(main, /ada@acme\.example/);
  assert.equal(await v.page.inputValue("#contactCenterEnabled"), "false", "the filter stays chosen");

  await v.page.selectOption("#contactCenterEnabled", "true");
  await submit(v, `form[role=search] button[type=submit]`);
  await v.check();
  const enabled = await v.page.innerText("main table");
  assert.match(enabled, /ada@acme\.example/);
  assert.doesNotMatch(enabled, /bo@acme\.example/);
  await v.close();
});

test("the agent pages in every language", { skip }, async () => {
  assert.ok(uploadTask, "the upload test ran first");
  for (const lang of languages) {
    const v = await Visitor.open(browser, server, lang);
    await v.signIn();
    await v.goto(server.orgPath("/contact-center/agents?contactCenterEnabled=false"), { name: "cc-agents-filtered" });
    await v.goto(server.orgPath("/contact-center/agents-upload"), { name: "cc-agents-upload" });
    // Without a file: the form again, the message at the file input.
    const resp = await submit(v, `form[action$="/agents-upload"] button[type=submit]`);
    assert.equal(resp.status(), 422);
    await v.check("cc-agents-upload-error");
    assert.equal(await v.page.getAttribute("#file", "aria-invalid"), "true");
    await v.goto(server.orgPath(`/tasks/${uploadTask}`), { name: "cc-agents-upload-task" });
    assert.match(await v.page.innerText(`tr:has-text("ada@acme.example")`), /Paris/);
    await v.close();
  }
});
