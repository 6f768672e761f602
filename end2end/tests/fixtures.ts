import { test as base, expect, type Page } from "@playwright/test";

/** Fails a test on any uncaught page error or console error (a hydration panic shows up here). */
export const test = base.extend<{ pageErrors: string[] }>({
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => {
        if (m.type() !== "error") return;
        // A page served with an error status (the 404 page) is logged as a failed load of the
        // document itself; that is the page working as intended, not an error in it.
        const documentStatus = m.text().startsWith("Failed to load resource") && m.location().url === page.url();
        if (!documentStatus) errors.push(`${m.text()} (${m.location().url})`);
      });
      await use(errors);
      expect(errors, "errors in the browser console").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Waits until the WebAssembly has hydrated the page. */
export async function hydrated(page: Page) {
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "true");
}
