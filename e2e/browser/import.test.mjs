// CSV import in a real browser: a dry run of a file of a few thousand rows, its result, the real
// import of the same file with its progress bar followed to the end, the report downloaded; the
// upload page, the dry-run result, the finished import and a refused file in every language.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { available, Server, launch, Visitor, languages } from "./harness.mjs";

const skip = !available();
const rows = 25000; // five chunks of the import (5,000 rows each), so that the bar moves while it is watched
let server, browser, dir, csvPath;
let dryRunPath, realPath; // the task pages the language test visits again

before(async () => {
  if (skip) return;
  server = await Server.start();
  browser = await launch();
  dir = mkdtempSync(join(tmpdir(), "roster-import-"));
  // The file a spreadsheet would give: a BOM, semicolons, CRLF, a phone number that lost
  // its "+", a word that is not a yes/no value, and a duplicate.
  const lines = ["User ID/Email (Required);First Name;Last Name;Phone Number;Contact Center Standard Agent;Contact Center Premium Agent"];
  for (let i = 1; i <= rows; i++) {
    let phone = `+4670${String(1000000 + i)}`;
    let standard = "TRUE";
    if (i === 7) phone = "46701234567";
    if (i === 11) standard = "kanske";
    lines.push(`person${i}@acme.example;Person;Number ${i};${phone};${standard};`);
  }
  lines.push("person3@acme.example;Again;Duplicate;;TRUE;");
  csvPath = join(dir, "people.csv");
  writeFileSync(csvPath, "\uFEFF" + lines.join("\r\n") + "\r\n");
  writeFileSync(join(dir, "photo.png"), Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** submitAndWait clicks a submit button and waits for the page it leads to. */
async function submitAndWait(v, selector) {
  await Promise.all([v.page.waitForLoadState("load"), v.page.waitForURL(/./), v.page.click(selector)]);
}

/** waitForEnd waits until a task's page shows its end, and returns the progress values the
 * bar showed meanwhile. The page's script polls and reloads at the end. */
async function waitForEnd(v) {
  const seen = [];
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline) {
    // The script reloads the page at the end: a look may land in the middle of it.
    const value = await v.page.evaluate(() => {
      const b = document.querySelector("progress");
      if (!b) return "end";
      return b.hasAttribute("value") ? `${b.value}/${b.max}` : "indeterminate";
    }).catch(() => null);
    if (value === "end") break;
    if (value && seen[seen.length - 1] !== value) seen.push(value);
    await v.page.waitForTimeout(100);
  }
  await v.page.waitForSelector('a[href$="/report.csv"]', { timeout: 120000 });
  await v.page.waitForLoadState("load");
  return seen;
}

test("a dry run, then the real import of a few thousand rows, then its report", { skip, timeout: 300000 }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  await v.goto(server.orgPath("/users"));
  await Promise.all([v.page.waitForLoadState("load"), v.page.click(`a[href="${server.orgPath("/import")}"] >> nth=0`)]);
  await v.check("import");
  assert.ok(await v.page.isChecked("#dryRun"), "dry run is ticked");
  assert.ok(await v.page.isChecked("#mode-add"), "add services only is the default");
  assert.match(await v.page.innerText("main"), /drop the “\+”/);

  await v.page.setInputFiles("#file", csvPath);
  await submitAndWait(v, "main form button[type=submit]");
  await waitForEnd(v);
  dryRunPath = new URL(v.page.url()).pathname;
  await v.check("import-dry-run");
  const dry = await v.page.innerText("main");
  assert.match(dry, /Dry run of a CSV import/);
  assert.match(dry, /nothing was changed/);
  assert.match(dry, /24,999/, "creates counted"); // every row less the yes/no word and the duplicate
  assert.match(dry, /The spreadsheet removed the \+ of the phone number/); // a warning: the row is imported
  assert.match(dry, /“kanske” is not a yes\/no value/);
  assert.match(dry, /also on line 4/);
  const users = await server.api("GET", `/api/v1/orgs/${server.org.id}/users?q=person`);
  assert.equal(users.items.length, 0, "the dry run created nobody");

  await submitAndWait(v, "button:has-text('Import for real')");
  assert.notEqual(new URL(v.page.url()).pathname, dryRunPath);
  assert.match(await v.page.innerText("main"), /You can leave this page/);
  await v.check();
  const seen = await waitForEnd(v);
  // The bar is looked at every 100 ms; the script moves it at each poll (every 1 to 5 s).
  console.log(`progress seen: ${seen.join(", ") || "(the import ended before the first look)"}`);
  assert.ok(seen.length > 0, "the progress bar was shown");
  realPath = new URL(v.page.url()).pathname;
  await v.check("import-done");
  const done = await v.page.innerText("main");
  assert.match(done, /25,001 of 25,001/);
  assert.match(done, /Revert this import/);
  assert.match(done, /Now synchronize users/);

  const [download] = await Promise.all([v.page.waitForEvent("download"), v.page.click('a[href$="/report.csv"]')]);
  const report = readFileSync(await download.path(), "utf8").trim().split(/\r?\n/);
  assert.equal(report.length, 1 + rows + 1, "a header and a line per row");
  assert.ok(report.some((l) => l.startsWith("8,") && l.includes("csv_phone_lost_plus")), "the phone row's warning is in the report");
  assert.ok(report.some((l) => l.includes("csv_duplicate_email")), "the duplicate is in the report");
  const created = await server.api("GET", `/api/v1/orgs/${server.org.id}/users?q=person&limit=1`);
  assert.ok(created.items.length === 1, "the real import created users");
  await v.close();
});

test("the import pages in every language, and a refused file", { skip, timeout: 300000 }, async () => {
  for (const lang of languages) {
    const v = await Visitor.open(browser, server, lang);
    await v.signIn();
    await v.goto(server.orgPath("/import"), { name: "import" });
    await v.page.setInputFiles("#file", join(dir, "photo.png"));
    await submitAndWait(v, "main form button[type=submit]");
    await v.check("import-refused");
    assert.ok(await v.page.$("#file[aria-invalid=true]"), "the file input is marked invalid");
    assert.ok(await v.page.evaluate(() => document.activeElement.classList.contains("error-summary")), "the error summary has the focus");
    if (dryRunPath) await v.goto(dryRunPath, { name: "import-dry-run" });
    if (realPath) {
      await v.goto(realPath, { name: "import-done" });
      // "Revert this import" asks first, counting what it would delete; Cancel has the focus.
      await Promise.all([v.page.waitForLoadState("load"), v.page.click(`a[href="${realPath}/revert"]`)]);
      await v.check("import-revert");
      assert.ok(await v.page.evaluate(() => document.activeElement.getAttribute("href")?.endsWith("/tasks/" + location.pathname.split("/")[5])),
        "Cancel has the focus");
    }
    await v.setLanguage("en");
    await v.close();
  }
});
