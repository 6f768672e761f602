import { test, expect, hydrated } from "./fixtures";

test.describe("the app shell", () => {
  test("the home page's content is in the server's HTML", async ({ request }) => {
    const res = await request.get("/");
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("Gift lists for life's big moments");
    expect(html).toContain('data-hydrated="false"');
    expect(html).toMatch(/<header[^>]*>/);
    expect(html).toMatch(/<footer[^>]*>/);
    expect(html).toMatch(/\/pkg\/ewelists\.[\w-]+\.js/);
    // Scripts run only with this response's nonce; the hydration tests below prove it suffices.
    const policy = res.headers()["content-security-policy"];
    const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce).toBeTruthy();
    expect(html).toContain(`nonce="${nonce}"`);
    expect(policy).not.toContain("unsafe-inline");
  });

  test("the site's files have their content's hash in their names and are kept a year", async ({ request }) => {
    const res = await request.get("/");
    // Pages are the visitor's own: no shared cache keeps them.
    expect(res.headers()["cache-control"]).toBe("private, no-store");
    const html = await res.text();
    const files = new Set([...html.matchAll(/\/pkg\/ewelists\.[\w-]+\.(?:js|wasm|css)/g)].map((m) => m[0]));
    const kinds = new Set([...files].map((f) => f.split(".").pop()));
    // The stylesheet is in the page itself: the first paint waits for no other file.
    expect([...kinds].sort()).toEqual(["js", "wasm"]);
    expect(html).toMatch(/<style nonce="[^"]+">/);
    for (const file of files) {
      const got = await request.get(file, { headers: { "accept-encoding": "br" } });
      expect(got.status(), file).toBe(200);
      expect(got.headers()["cache-control"], file).toBe("public, max-age=31536000, immutable");
      // Compressed once at build (brotli, best quality), not on each request.
      expect(got.headers()["content-encoding"], file).toBe("br");
    }
  });

  test("the page reads well with scripts turned off", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Gift lists for life's big moments");
    await expect(page.locator("[data-hydrated]")).toHaveAttribute("data-hydrated", "false");
    // The phone menu is a disclosure: it opens without any script.
    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByText("Menu", { exact: true }).click();
    await expect(page.locator("#mobile-menu nav")).toBeVisible();
    await context.close();
  });

  test("the page hydrates and its controls respond", async ({ page }) => {
    await page.goto("/");
    await hydrated(page);
    const christmas = page.getByRole("button", { name: "Christmas" });
    await expect(christmas).toHaveAttribute("aria-pressed", "false");
    await christmas.click();
    await expect(christmas).toHaveAttribute("aria-pressed", "true");
    await expect(page.locator("#preview-title")).toHaveText("Our christmas list");
    await expect(page.locator("figure img")).toHaveAttribute("src", "/images/occasions/christmas.svg");
  });

  test("the header's menu opens on a phone @phone", async ({ page }) => {
    await page.goto("/");
    await hydrated(page);
    const menu = page.locator("#mobile-menu nav");
    await expect(menu).toBeHidden();
    await page.locator("#menu-button").click();
    await expect(page.locator("#mobile-menu")).toHaveAttribute("open", "");
    await expect(menu).toBeVisible();
    await menu.getByRole("link", { name: "List ideas" }).click();
    await expect(page).toHaveURL(/\/ideas$/);
    await expect(page.locator("#mobile-menu nav")).toBeHidden();
  });

  test("the desktop header shows its links @desktop", async ({ page }) => {
    await page.goto("/");
    await expect(page.locator("#menu-button")).toBeHidden();
    await expect(page.getByRole("banner").getByRole("link", { name: "How it works" })).toBeVisible();
  });

  test("nothing scrolls sideways", async ({ page }) => {
    await page.goto("/");
    await hydrated(page);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
  });

  test("an unknown address gets the 404 page", async ({ page }) => {
    const res = await page.goto("/no/such/page");
    expect(res?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("We can't find that page");
    await expect(page).toHaveTitle("Page not found · Ewelists");
    await hydrated(page);
    await page.getByRole("link", { name: "Go to the home page" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Gift lists for life's big moments");
  });

  test("/healthz reports the table and is never cached", async ({ request }) => {
    const res = await request.get("/healthz");
    expect(res.status()).toBe(200);
    expect(res.headers()["cache-control"]).toBe("no-store");
    expect(await res.json()).toEqual({ status: "ok", checks: { table: "ok" } });
  });

  test("every response carries a request id", async ({ request }) => {
    const res = await request.get("/");
    expect(res.headers()["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await request.get("/", { headers: { "x-request-id": "abc-123" } });
    expect(echoed.headers()["x-request-id"]).toBe("abc-123");
  });
});
