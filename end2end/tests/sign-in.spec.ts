import { readFileSync } from "node:fs";
import { test, expect, hydrated, demo, signInOnHostedPage, addPoolUser, expectAccessible } from "./fixtures";

const site = process.env.EWELISTS_SITE_URL ?? "http://localhost:3000";

test.describe("signing in", () => {
  test("sign in from the header with the seeded user, see the account, sign out", async ({ page }) => {
    await page.goto("/");
    await hydrated(page);
    await page.getByTestId("sign-in-link").click();
    await signInOnHostedPage(page, demo.email, demo.password);
    // From the home page, a sign-in leads on to the owner's lists.
    await expect(page).toHaveURL(`${site}/lists`);
    await hydrated(page);
    await page.getByTestId("account-link").click();
    await expect(page).toHaveURL(`${site}/account`);
    await expect(page.getByTestId("account-email")).toHaveText(demo.email);
    await expect(page.getByTestId("account-name")).toHaveText("Demo Parent");
    await hydrated(page);
    await expectAccessible(page);

    await page.getByRole("button", { name: "Sign out" }).click();
    // Through the hosted UI's sign-out and back to the site, signed out.
    await expect(page).toHaveURL(`${site}/`);
    await expect(page.getByTestId("sign-in-link")).toBeVisible();
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name.endsWith("ewelists-session"))).toBeUndefined();
    // The account is out of reach again.
    await page.goto("/account");
    await expect(page.locator("#username")).toBeVisible();
  });

  test("a wrong password shows the sign-in page's own error", async ({ page }) => {
    await page.goto("/auth/sign-in");
    await signInOnHostedPage(page, demo.email, "Not-the-password-1");
    await expect(page.locator(".error")).toContainText(/incorrect/i);
    expect(page.url()).not.toContain(site);
    // Nothing was set on the site.
    const cookies = await page.context().cookies(site);
    expect(cookies.find((c) => c.name.endsWith("ewelists-session"))).toBeUndefined();
  });

  test("a deep link to an owner page goes through sign-in and comes back", async ({ page }) => {
    await page.goto("/account");
    await signInOnHostedPage(page, demo.email, demo.password);
    await expect(page).toHaveURL(`${site}/account`);
    await expect(page.getByTestId("account-email")).toHaveText(demo.email);
  });

  test("a refused sign-in lands on a page that explains it, with a way back", async ({ page }) => {
    await page.goto("/sign-in/problem?error=access_denied&error_description=User+cancelled");
    await hydrated(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("We couldn't sign you in");
    await expect(page.getByTestId("sign-in-problem")).toHaveText("Sign-in was cancelled or refused.");
    // The provider's words in the link are not the site's: never shown.
    await expect(page.getByText("User cancelled")).toHaveCount(0);
    await page.getByRole("link", { name: "Try again" }).click();
    await expect(page.locator("#username")).toBeVisible();
  });

  test("a Gmail and a Googlemail sign-in of one person share one account", async ({ page }) => {
    const tag = Math.random().toString(36).slice(2, 10);
    const gmail = `pat.doe.${tag}@gmail.com`;
    const googlemail = `patdoe${tag}@googlemail.com`;
    await addPoolUser(gmail, "Pat Doe", "Right-pass-2026");
    await addPoolUser(googlemail, "Pat D", "Right-pass-2026");

    await page.goto("/account");
    await signInOnHostedPage(page, gmail, "Right-pass-2026");
    await expect(page.getByTestId("account-email")).toHaveText(gmail);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(`${site}/`);

    await page.goto("/account");
    await signInOnHostedPage(page, googlemail, "Right-pass-2026");
    // The same account: the first address and name it was made with.
    await expect(page.getByTestId("account-email")).toHaveText(gmail);
    await expect(page.getByTestId("account-name")).toHaveText("Pat Doe");
  });

  test("an owner reads what is kept, downloads their data and deletes their account", async ({ page }) => {
    const email = `leaving.${Math.random().toString(36).slice(2, 10)}@example.com`;
    await addPoolUser(email, "Lee Leaving", "Right-pass-2026");
    await page.goto("/account");
    await signInOnHostedPage(page, email, "Right-pass-2026");
    await expect(page.getByTestId("account-email")).toHaveText(email);

    // What is kept, and for how long: from the footer, in words.
    await page.getByRole("contentinfo").getByRole("link", { name: "Privacy" }).click();
    await expect(page).toHaveURL(`${site}/privacy`);
    await expect(page.getByTestId("privacy")).toContainText("90 days after the list's occasion");
    await page.goto("/account");

    // The download is a file holding the account.
    const downloading = page.waitForEvent("download");
    await page.getByTestId("download-data").click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe("ewelists-data.json");
    const path = await download.path();
    const data = JSON.parse(readFileSync(path, "utf8"));
    expect(data.account.email).toBe(email);

    // Deleting needs the account's own email.
    await page.getByLabel(/Type your email address/).fill("someone.else@example.com");
    await page.getByRole("button", { name: "Delete my account" }).click();
    await expect(page.getByTestId("delete-problem")).toContainText("type your email address as shown above");
    await page.getByLabel(/Type your email address/).fill(email);
    await page.getByRole("button", { name: "Delete my account" }).click();
    await expect(page).toHaveURL(`${site}/?deleted=account`);
    await expect(page.getByTestId("account-deleted")).toBeVisible();

    // Signed out, and the sign-in itself is gone.
    await page.goto("/account");
    await signInOnHostedPage(page, email, "Right-pass-2026");
    await expect(page.locator(".error")).toBeVisible();
    expect(page.url()).not.toContain(site);
  });
});
