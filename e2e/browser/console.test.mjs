// The console's foundation in a real browser: sign-in, the pages of an organization in every
// language, the users list in Polish, and a form post from another origin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { available, Server, launch, Visitor, languages, password } from "./harness.mjs";

const skip = !available();
let server, browser;

before(async () => {
  if (skip) return;
  server = await Server.start();
  browser = await launch();
  const entries = [];
  for (const [first, last] of [["Łukasz", "Żółć"], ["Åsa", "Öberg"], ["Zoë", "van Dijk"], ["José", "Núñez"], ["Ada", "Lovelace"]]) {
    entries.push({ email: `${first.toLowerCase().normalize("NFD").replace(/[^a-z]/g, "")}@acme.example`, firstName: first, lastName: last });
  }
  await server.api("POST", `/api/v1/orgs/${server.org.id}/users/batch`, { entries, license: "premium" });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("sign-in page in every language", { skip }, async () => {
  for (const lang of languages) {
    const v = await Visitor.open(browser, server, lang);
    await v.goto("/console/sign-in", { name: "sign-in" });
    // A wrong password: one message, the email kept, the summary focused. (An unknown
    // email: five failures would lock the administrator's account for a while.)
    await v.page.fill("#email", `nobody-${lang}@acme.example`);
    await v.page.fill("#password", "not the password");
    await Promise.all([v.page.waitForLoadState("load"), v.page.click("main button[type=submit]")]);
    await v.check("sign-in-error");
    assert.equal(await v.page.inputValue("#email"), `nobody-${lang}@acme.example`);
    assert.ok(await v.page.evaluate(() => document.activeElement.classList.contains("error-summary")), "the error summary has the focus");
    await v.close();
  }
});

test("the organization's pages in every language", { skip }, async () => {
  for (const lang of languages) {
    const v = await Visitor.open(browser, server, lang);
    await v.signIn();
    await v.goto(server.orgPath("/"), { name: "overview" });
    await v.goto(server.orgPath("/users"), { name: "users" });
    await v.goto(server.orgPath("/users?license=premium&q=%C5%82"), { name: "users-filtered" });
    await v.goto(server.orgPath("/tasks"), { name: "tasks" });
    await v.goto("/console/account", { name: "account" });
    await v.setLanguage("en");
    await v.close();
  }
});

test("the users list in Polish: counts, filters, chips", { skip }, async () => {
  const v = await Visitor.open(browser, server, "pl");
  await v.signIn();
  await v.goto(server.orgPath("/users"));
  assert.match(await v.page.innerText("main"), /6 użytkowników/);
  await v.page.selectOption("#license", "premium");
  await v.page.fill("#q", "ł");
  await Promise.all([v.page.waitForLoadState("load"), v.page.click("form[role=search] button[type=submit]")]);
  await v.check("users-search");
  const text = await v.page.innerText("main");
  assert.match(text, /1 użytkownik\b/);
  assert.match(text, /Łukasz/);
  // Removing a chip keeps the other filter.
  await Promise.all([v.page.waitForLoadState("load"), v.page.click(".chips a >> nth=0")]);
  assert.match(v.page.url(), /license=premium/);
  assert.doesNotMatch(v.page.url(), /q=/);
  await v.setLanguage("en");
  await v.close();
});

test("a form posted from another origin is refused", { skip }, async () => {
  const v = await Visitor.open(browser, server, "en");
  await v.signIn();
  // Another site on another loopback port serves a form that posts to the console.
  const other = createServer((req, res) => {
    res.setHeader("Content-Type", "text/html");
    res.end(`<form method="post" action="${server.url}/console/account/sessions"><button>go</button></form>`);
  });
  await new Promise((r) => other.listen(0, "127.0.0.1", r));
  try {
    await v.page.goto(`http://127.0.0.1:${other.address().port}/`);
    const [resp] = await Promise.all([v.page.waitForNavigation(), v.page.click("button")]);
    assert.equal(resp.status(), 403);
    assert.match(await v.page.innerText("main"), /another site/);
  } finally {
    other.close();
  }
  await v.close();
});
