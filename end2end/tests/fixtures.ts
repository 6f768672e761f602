import { test as base, expect, type Browser, type BrowserContextOptions, type Page } from "@playwright/test";

/** Fails a test on any uncaught page error or console error (a hydration panic shows up here). */
/**
 * A made-up client address. The test server believes `X-Forwarded-For` from a peer on its own
 * machine (as it would from a proxy there), so that each browser context is its own guest for
 * the rate limits instead of every test sharing 127.0.0.1.
 */
export function clientAddress() {
  const n = () => Math.floor(Math.random() * 250) + 1;
  return `198.51.${n()}.${n()}`;
}

/** A new browser context that comes from its own client address. */
export async function newGuest(browser: Browser, options: BrowserContextOptions = {}) {
  return browser.newContext({ ...options, extraHTTPHeaders: { "x-forwarded-for": clientAddress() } });
}

export const test = base.extend<{ pageErrors: string[] }>({
  context: async ({ context }, use) => {
    await context.setExtraHTTPHeaders({ "x-forwarded-for": clientAddress() });
    await use(context);
  },
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
        // A server function's typed refusal (4xx) is shown on the page in words; the browser
        // still logs the status. Only 5xx answers are errors.
        const refusal =
          /status of 4\d\d/.test(m.text()) && new URL(m.location().url, site).pathname.startsWith("/api/");
        if (!documentStatus && !refusal) errors.push(`${m.text()} (${m.location().url})`);
      });
      await use(errors);
      expect(errors, "errors in the browser console").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/**
 * Waits until every island on the page is hydrated (each island's root says
 * `data-hydrated="false"` until then). Pages without islands are ready as they arrive.
 */
export async function hydrated(page: Page) {
  await expect(page.locator('[data-hydrated="false"]')).toHaveCount(0);
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

/** Adds a confirmed user to the local stack's user pool (in `groups`), through the Cognito API. */
export async function addPoolUser(
  email: string,
  name: string,
  password: string,
  verified = true,
  groups: string[] = [],
) {
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
  for (const group of groups) {
    // The group may exist already (made by an earlier test or the stack).
    await call("CreateGroup", { UserPoolId: poolId, GroupName: group }).catch(() => undefined);
    await call("AdminAddUserToGroup", { UserPoolId: poolId, Username: email, GroupName: group });
  }
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

/** A list made through the owner's pages, with gifts added by hand; returns its public URL. */
export async function makeList(page: Page, title: string, gifts: { title: string; wanted: number }[], mode?: string) {
  await signInAsNewOwner(page, "/lists/new");
  await hydrated(page);
  await page.getByLabel("Title").fill(title);
  await page.getByRole("button", { name: "Create the list" }).click();
  await expect(page).toHaveURL(/\/edit$/);
  await hydrated(page);
  for (const [i, gift] of gifts.entries()) {
    const manual = page.getByTestId("manual-add");
    if ((await manual.getAttribute("open")) === null) await manual.locator("summary").click();
    await manual.getByLabel("What is it?").fill(gift.title);
    await manual.getByLabel("How many?").fill(String(gift.wanted));
    await manual.getByRole("button", { name: "Add to the list" }).click();
    await expect(page.getByTestId("gift")).toHaveCount(i + 1);
  }
  const publicUrl = await page.getByTestId("share-url").inputValue();
  if (mode) {
    await page.getByRole("link", { name: "Settings" }).click();
    await hydrated(page);
    await page.locator(`input[name=mode][value=${mode}]`).check();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  }
  return publicUrl;
}

/** The messages in the stack's mail outbox sent to `to`, waiting up to 5 s for at least `n`. */
export async function outbox(to: string, n = 1) {
  const endpoint = process.env.EWELISTS_TEST_MINISTACK;
  if (!endpoint) throw new Error("run under the local stack (./dev test)");
  type Sent = { To: string[]; Subject: string; BodyText: string; BodyHtml?: string };
  let found: Sent[] = [];
  for (let i = 0; i < 50; i++) {
    const all = (await (await fetch(`${endpoint}/_ministack/ses/messages`)).json()) as { messages: Record<string, Sent[]> };
    found = Object.values(all.messages ?? {}).flat().filter((m) => m.To.includes(to));
    if (found.length >= n) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return found;
}

/** The private reservation link in a confirmation email. */
export function manageLink(mail: { BodyText: string }) {
  const match = /https?:\/\/\S+\/reservations\/[A-Za-z0-9_.-]+/.exec(mail.BodyText);
  if (!match) throw new Error(`no reservation link in: ${mail.BodyText}`);
  return match[0];
}

/** The card of `gift` on a public list page. */
export function giftCard(page: Page, gift: string) {
  return page.getByTestId("gift").filter({ has: page.getByTestId("gift-title").filter({ hasText: gift }) });
}

/** Opens the reserve form of `gift` (its card's "Reserve" link), unless it is open already. */
export async function openReserveForm(page: Page, gift: string) {
  const card = giftCard(page, gift);
  if ((await card.getByTestId("reserve").count()) === 0) {
    await card.getByTestId("reserve-link").click();
    await expect(card.getByTestId("reserve")).toBeVisible();
  }
  return card;
}

/** Reserves on a public list page as a guest. */
export async function reserveAsGuest(page: Page, gift: string, name: string, email: string, quantity: number) {
  const card = await openReserveForm(page, gift);
  await card.getByLabel("Your name").fill(name);
  await card.getByLabel("Your email").fill(email);
  await card.getByLabel("How many?").selectOption(String(quantity));
  await card.getByRole("button", { name: "Reserve it" }).click();
}
