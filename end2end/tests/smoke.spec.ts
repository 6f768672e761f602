import { test, expect, hydrated, makeList, outbox, manageLink, reserveAsGuest, newGuest } from "./fixtures";

// What people do most, in a few steps. `./dev test` runs this file twice: with the other specs
// against the plain server, and alone against the Lambda package under the emulator, behind a
// stand-in for CloudFront (scripts/lambda_edge.py), so that the Lambda path is exercised too.

const unique = (name: string) => `${name}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.com`;

test.describe("smoke", () => {
  test("the home page renders on the server, is never cached, and hydrates", async ({ page }) => {
    const res = await page.goto("/");
    expect(res?.status()).toBe(200);
    expect(res?.headers()["cache-control"]).toBe("private, no-store");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Gift lists for life's big moments");
    await hydrated(page);
  });

  test("an owner page sends a signed-out visitor to the hosted sign-in", async ({ page }) => {
    await page.goto("/lists");
    await expect(page.locator("#username")).toBeVisible();
  });

  test("an owner makes a list; guests reserve with and without JavaScript; the emails go out", async ({ page, browser }) => {
    // Sign-in, and the owner's server functions (create the list, add gifts).
    const listUrl = await makeList(page, "Smoke shower", [{ title: "Night light", wanted: 3 }]);

    // A guest with JavaScript: the public page, the reserve server function, a typed refusal.
    const guest = await newGuest(browser);
    const g = await guest.newPage();
    await g.goto(listUrl);
    await hydrated(g);
    await expect(g.getByTestId("gift-availability")).toHaveText("3 of 3 still wanted");
    await reserveAsGuest(g, "Night light", "Sam", "not-an-email", 1);
    await expect(g.locator("#reserve-email-error")).toContainText(/email/i);
    const email = unique("sam");
    await reserveAsGuest(g, "Night light", "Sam", email, 2);
    await expect(g).toHaveURL(/\/reservations\/[^?]+\?new=1$/);
    await expect(g.getByTestId("reservation-state")).toContainText("You reserved 2");
    // The courier delivered the confirmation with the private link.
    const [confirmation] = await outbox(email);
    expect(confirmation?.Subject).toContain("Night light");
    expect(`${manageLink(confirmation)}?new=1`).toBe(g.url());
    await guest.close();

    // A guest without JavaScript: plain form posts.
    const plain = await newGuest(browser, { javaScriptEnabled: false });
    const p = await plain.newPage();
    await p.goto(listUrl);
    await expect(p.getByTestId("gift-availability")).toHaveText("1 of 3 still wanted");
    await reserveAsGuest(p, "Night light", "Ria", unique("ria"), 1);
    await expect(p).toHaveURL(/\/reservations\//);
    await expect(p.getByTestId("reservation-state")).toContainText("You reserved 1");
    await p.getByRole("button", { name: "I've bought it" }).click();
    await expect(p.getByTestId("reservation-state")).toContainText("You bought 1");
    await plain.close();
  });
});
