// How a guest's first visit to a 50-gift list feels on a slow phone: a Pixel-7-sized Chromium,
// a slow mobile network (400 kbps down and up, 400 ms round trip), 4x CPU slowdown, browser
// cache off. Five loads per page, the median of each figure:
//   - HTML received: the document's last byte (responseEnd);
//   - gifts visible: the first gift in the document;
//   - first paint: first-contentful-paint;
//   - interactive: the page usable. With islands, when the last island has hydrated; without,
//     when the document is parsed and its script has run (DOMContentLoaded): its forms post.
// Also the bytes the page brought (the transfer sizes of every response).
import { test, expect, signInAsNewOwner } from "../tests/fixtures";
import type { Page } from "@playwright/test";

const RUNS = 5;
const GIFTS = 50;
const BEFORE = { html: 0.8, gifts: 0.8, paint: 1.8, interactive: 15.3, bytes: 541_000 };

type Figures = { html: number; gifts: number; paint: number; interactive: number; bytes: number };

async function throttled(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 400,
    downloadThroughput: (400 * 1000) / 8,
    uploadThroughput: (400 * 1000) / 8,
  });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
}

// Set before any page script: when the first gift appears, and when the last island hydrates.
const WATCH = `
  window.__bench = { gifts: null, hydrated: null };
  new MutationObserver(() => {
    const b = window.__bench;
    if (b.gifts === null && document.querySelector('[data-testid=gift]')) b.gifts = performance.now();
    const islands = document.querySelectorAll('[data-hydrated]');
    if (b.hydrated === null && islands.length > 0 && document.querySelectorAll('[data-hydrated=false]').length === 0)
      b.hydrated = performance.now();
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-hydrated'] });
`;

async function once(page: Page, url: string): Promise<Figures> {
  await page.goto("about:blank");
  await throttled(page);
  await page.goto(url, { waitUntil: "load" });
  const islands = await page.locator("[data-hydrated]").count();
  if (islands > 0) await expect(page.locator('[data-hydrated="false"]')).toHaveCount(0, { timeout: 120_000 });
  return page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
    const paint = performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN;
    const b = (window as unknown as { __bench: { gifts: number | null; hydrated: number | null } }).__bench;
    const resources = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
    const bytes = nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0);
    const hasIslands = document.querySelectorAll("[data-hydrated]").length > 0;
    return {
      html: nav.responseEnd / 1000,
      gifts: (b.gifts ?? nav.domInteractive) / 1000,
      paint: paint / 1000,
      interactive: (hasIslands ? b.hydrated ?? NaN : nav.domContentLoadedEventEnd) / 1000,
      bytes,
    };
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test("a guest's first visit on a slow phone", async ({ page, browser }) => {
  // A list of 50 gifts, made through the owner's server functions.
  await signInAsNewOwner(page, "/lists/new");
  const origin = new URL(page.url()).origin;
  const post = (path: string, form: Record<string, string>) =>
    page.request.post(path, { form, headers: { Origin: origin, Accept: "application/json" }, maxRedirects: 0 });
  const list = (await (await post("/api/create_list", { title: "Phone benchmark", occasion: "baby-shower" })).json()) as string;
  for (let i = 0; i < GIFTS; i++) {
    const added = await post("/api/add_gift", {
      list_id: list,
      title: `Gift number ${i + 1}`,
      shop: "A shop",
      url: `https://shop.example/gift-${i}`,
      price: "19.99",
      currency: "GBP",
      wanted: String(1 + (i % 3)),
      notes: "Any colour is fine.",
    });
    expect(added.ok(), await added.text()).toBeTruthy();
  }

  const guest = await browser.newContext({ ...test.info().project.use, extraHTTPHeaders: { "x-forwarded-for": "198.51.100.7" } });
  const g = await guest.newPage();
  await g.addInitScript(WATCH);
  const pages: [string, string][] = [
    ["public list (guest)", `/lists/${list}`],
    ["home (islands)", "/"],
  ];
  const lines = [
    `phone benchmark: Pixel 7, 400 kbps / 400 ms, 4x CPU, no cache; median of ${RUNS} loads (s, bytes)`,
    `${"page".padEnd(22)}${"HTML".padStart(7)}${"gifts".padStart(7)}${"paint".padStart(7)}${"ready".padStart(7)}${"bytes".padStart(9)}`,
  ];
  const row = (name: string, f: Figures) =>
    `${name.padEnd(22)}${f.html.toFixed(2).padStart(7)}${f.gifts.toFixed(2).padStart(7)}${f.paint.toFixed(2).padStart(7)}${f.interactive.toFixed(2).padStart(7)}${String(f.bytes).padStart(9)}`;
  lines.push(row("before: public list", BEFORE));
  for (const [name, path] of pages) {
    const runs: Figures[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await once(g, path));
    const f = {
      html: median(runs.map((r) => r.html)),
      gifts: median(runs.map((r) => r.gifts)),
      paint: median(runs.map((r) => r.paint)),
      interactive: median(runs.map((r) => r.interactive)),
      bytes: median(runs.map((r) => r.bytes)),
    };
    lines.push(row(name, f));
  }
  console.log(lines.join("\n"));
  await guest.close();
});
