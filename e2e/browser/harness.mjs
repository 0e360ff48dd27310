// The browser tests' harness: it starts bin/roster on a free loopback port with a data
// directory of its own, launches Debian's Chromium through playwright-core (which downloads
// nothing), and checks every page visited: its status, no Content-Security-Policy violation,
// no script error, no message key or English text where the catalog has a translation, and
// no axe-core violation of WCAG 2.2 A and AA. Screenshots go to $ROSTER_SCREENSHOTS.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, mkdirSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "..", "..");
const binary = join(root, "bin", "roster");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
export const languages = ["en", "sv", "nl", "es", "pl"];
export const password = "correct-horse-battery";

/** available says whether the suite can run here; under CI it must. */
export function available() {
  const ok = existsSync(chromiumPath) && existsSync(binary);
  if (!ok && process.env.CI) {
    throw new Error(`browser tests need ${chromiumPath} and ${binary} (make build; apt-get install chromium)`);
  }
  return ok;
}

/** The catalog: every key, and each language's messages, to recognize raw keys and English. */
function loadCatalog() {
  const dir = join(root, "internal", "i18n", "locales");
  const byLang = Object.fromEntries(languages.map((l) => [l, {}]));
  for (const f of readdirSync(dir)) {
    const [, lang] = f.replace(/\.json$/, "").split(".");
    Object.assign(byLang[lang], JSON.parse(readFileSync(join(dir, f), "utf8")));
  }
  return byLang;
}
const catalog = loadCatalog();
const flatten = (v) => (typeof v === "string" ? [v] : Object.values(v));
const keys = Object.keys(catalog.en);

/** englishOnly are English messages long enough to be sentences, that a language translates. */
function englishOnly(lang) {
  const out = [];
  for (const k of keys) {
    const en = flatten(catalog.en[k]);
    const other = new Set(flatten(catalog[lang][k] ?? ""));
    for (const s of en) {
      // Placeholders make a message a template: compare the text before the first one.
      const text = s.split("{{")[0].trim();
      if (text.length >= 16 && ![...other].some((o) => o.startsWith(text))) out.push(text);
    }
  }
  return out;
}

/** Server is a running roster serve. */
export class Server {
  static async start({ platform = "new", env = {} } = {}) {
    const dir = mkdtempSync(join(tmpdir(), "roster-browser-"));
    const s = new Server();
    s.dir = dir;
    s.adminEmail = "admin@acme.example";
    s.proc = spawn(binary, ["serve"], {
      env: {
        ...process.env, ROSTER_DATA_DIR: dir, ROSTER_ADDR: "127.0.0.1:0",
        ROSTER_ADMIN_EMAIL: s.adminEmail, ROSTER_ADMIN_PASSWORD: password, ROSTER_ADMIN_ORG: "Acme",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    s.log = "";
    s.proc.stderr.on("data", (d) => { s.log += d; });
    s.url = await new Promise((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error("roster serve did not start:\n" + out + s.log)), 30000);
      s.proc.stdout.on("data", (d) => {
        out += d;
        const m = out.match(/listening on (http:\/\/[0-9.:]+)/);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      s.proc.on("exit", (code) => reject(new Error(`roster serve exited ${code}:\n${out}${s.log}`)));
    });
    // It listens before it migrates: /readyz says when it serves.
    for (let i = 0; ; i++) {
      const r = await fetch(s.url + "/readyz").catch(() => null);
      if (r?.status === 200) break;
      if (i === 300) throw new Error("roster serve did not become ready:\n" + s.log);
      await new Promise((wake) => setTimeout(wake, 100));
    }
    s.system = s.cli(["token", "create", "--system"]).trim();
    const orgs = await s.api("GET", "/api/v1/orgs");
    s.org = orgs.items.find((o) => o.name === "Acme");
    if (platform !== "new") await s.api("PATCH", `/api/v1/orgs/${s.org.id}`, { platform });
    return s;
  }

  /** cli runs a roster command on the server's data directory. */
  cli(args) {
    return execFileSync(binary, args, { env: { ...process.env, ROSTER_DATA_DIR: this.dir, ROSTER_SERVER: this.url } }).toString();
  }

  /** api calls the REST API with the installation token. */
  async api(method, path, body) {
    const r = await fetch(this.url + path, {
      method,
      headers: { Authorization: `Bearer ${this.system}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /** finished waits until a task of the organization is final and returns it. */
  async finished(id) {
    for (let i = 0; i < 300; i++) {
      const t = await this.api("GET", `/api/v1/orgs/${this.org.id}/tasks/${id}`);
      if (!["queued", "running"].includes(t.state)) return t;
      await new Promise((wake) => setTimeout(wake, 100));
    }
    throw new Error(`task ${id} did not finish`);
  }

  /** orgPath is the console address of a page of the organization. */
  orgPath(p) { return `/console/orgs/${this.org.id}${p}`; }

  async stop() {
    this.proc.kill("SIGTERM");
    await new Promise((r) => this.proc.once("exit", r));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** submit clicks a submit button and waits for the page it leads to; it returns the response. */
export async function submit(v, selector) {
  const [resp] = await Promise.all([v.page.waitForNavigation(), v.page.click(selector)]);
  return resp;
}

/** launch starts headless Chromium as CONSOLE.md §4.2 says. */
export async function launch() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

const axeSource = readFileSync(join(here, "node_modules", "axe-core", "axe.min.js"), "utf8");

/** Visitor is a browser context in one language whose every page is checked. */
export class Visitor {
  static async open(browser, server, lang) {
    const v = new Visitor();
    v.server = server;
    v.lang = lang;
    v.context = await browser.newContext({ locale: lang, viewport: { width: 1280, height: 900 } });
    // axe runs inside the page without bypassing the CSP: an init script is the browser's own.
    await v.context.addInitScript({ content: axeSource });
    v.page = await v.context.newPage();
    v.problems = [];
    v.page.on("console", (m) => {
      if (/Content.Security.Policy/i.test(m.text())) v.problems.push("CSP: " + m.text());
      else if (m.type() === "error" && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) v.problems.push("console error: " + m.text());
    });
    v.page.on("pageerror", (e) => v.problems.push("script error: " + e.message));
    return v;
  }

  /** signIn signs the server's administrator in and picks the visitor's language. */
  async signIn(email = this.server.adminEmail) {
    await this.page.goto(this.server.url + "/console/sign-in");
    await this.page.fill("#email", email);
    await this.page.fill("#password", password);
    await Promise.all([this.page.waitForURL(/\/console\/orgs\//), this.page.click("button[type=submit] >> nth=0")]);
    await this.setLanguage(this.lang);
  }

  /** setLanguage uses the footer's switch. */
  async setLanguage(lang) {
    await this.page.selectOption("#footer-language", lang);
    await Promise.all([this.page.waitForLoadState("load"), this.page.click("footer button[type=submit]")]);
    this.lang = lang;
  }

  /** goto opens a path and checks the page; it returns the response. */
  async goto(path, { status = 200, name } = {}) {
    const resp = await this.page.goto(this.server.url + path);
    assert.equal(resp.status(), status, `${path}: status`);
    await this.check(name);
    return resp;
  }

  /** check checks the page as it is now, and takes its screenshot when named. */
  async check(name) {
    const where = `${this.lang} ${this.page.url()}`;
    assert.deepEqual(this.problems, [], `${where}: problems`);
    assert.equal(await this.page.getAttribute("html", "lang"), this.lang, `${where}: html lang`);
    const text = await this.page.evaluate(() => document.body.innerText);
    const html = await this.page.content();
    for (const k of keys) {
      assert.ok(!text.includes(k) || !new RegExp(`(^|\\s)${k.replace(/\./g, "\\.")}($|\\s)`).test(text), `${where}: shows the key ${k}`);
      assert.ok(!html.includes(`>${k}<`), `${where}: shows the key ${k}`);
    }
    if (this.lang !== "en") {
      for (const s of englishOnly(this.lang)) assert.ok(!text.includes(s), `${where}: English text "${s}"`);
    }
    const result = await this.page.evaluate(async () =>
      // eslint-disable-next-line no-undef
      axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }));
    const violations = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
    assert.deepEqual(violations, [], `${where}: axe`);
    if (name) await this.screenshot(name);
  }

  async screenshot(name) {
    const dir = process.env.ROSTER_SCREENSHOTS;
    if (!dir) return;
    mkdirSync(join(dir, this.lang), { recursive: true });
    await this.page.screenshot({ path: join(dir, this.lang, `${name}.png`), fullPage: true });
  }

  async close() { await this.context.close(); }
}
