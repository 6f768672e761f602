import { test as base, expect, type Page } from "@playwright/test";

/** Fails a test on any uncaught page error or console error (a hydration panic shows up here). */
export const test = base.extend<{ pageErrors: string[] }>({
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      const site = new URL(process.env.EWELISTS_SITE_URL ?? "http://localhost:3000").origin;
      page.on("console", (m) => {
        if (m.type() !== "error") return;
        // Only this site's pages count: the hosted sign-in page is the provider's.
        if (!page.url().startsWith(site)) return;
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

/** The seeded user of the local stack. */
export const demo = {
  email: process.env.EWELISTS_DEMO_EMAIL ?? "demo@ewelists.test",
  password: process.env.EWELISTS_DEMO_PASSWORD ?? "Demo-pass-2026",
};

/** Fills in the hosted sign-in page (ministack's, standing in for Cognito's) and submits it. */
export async function signInOnHostedPage(page: Page, email: string, password: string) {
  await expect(page.locator("#username")).toBeVisible();
  await page.locator("#username").fill(email);
  await page.locator("#password").fill(password);
  await page.locator("button[type=submit]").click();
}

/** Adds a confirmed user to the local stack's user pool, through the Cognito API. */
export async function addPoolUser(email: string, name: string, password: string, verified = true) {
  const endpoint = process.env.EWELISTS_TEST_MINISTACK;
  const issuer = process.env.EWELISTS_COGNITO_ISSUER;
  if (!endpoint || !issuer) throw new Error("run under the local stack (./dev test)");
  const poolId = issuer.split("/").pop();
  const call = async (op: string, body: object) => {
    const res = await fetch(`${endpoint}/`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${op}`,
      },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${op}: ${res.status} ${await res.text()}`);
  };
  await call("AdminCreateUser", {
    UserPoolId: poolId,
    Username: email,
    MessageAction: "SUPPRESS",
    UserAttributes: [
      { Name: "email", Value: email },
      { Name: "email_verified", Value: verified ? "true" : "false" },
      { Name: "name", Value: name },
    ],
  });
  await call("AdminSetUserPassword", { UserPoolId: poolId, Username: email, Password: password, Permanent: true });
}

/** A fresh pool user, signed in, on `path` (an owner page). Returns the user's email. */
export async function signInAsNewOwner(page: Page, path = "/lists", name = "Olive Owner") {
  const email = `owner-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  await addPoolUser(email, name, "Owner-pass-2026");
  await page.goto(path);
  await signInOnHostedPage(page, email, "Owner-pass-2026");
  await expect(page).toHaveURL(new RegExp(`${path.replace(/[/]/g, "\\/")}$`));
  return email;
}

/** No accessibility violations that axe-core finds on the page as it is now. */
export async function expectAccessible(page: Page) {
  const { default: AxeBuilder } = await import("@axe-core/playwright");
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(summary, "axe-core violations").toEqual([]);
}

/** The page has no horizontal scrolling. */
export async function expectNoSideways(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, "horizontal overflow in px").toBeLessThanOrEqual(0);
}
