import { test, expect, expectAccessible, expectNoSideways, signInOnHostedPage, addPoolUser, outbox } from "./fixtures";

test.describe("the site's written pages and list ideas", () => {
  test("a visitor finds how it works, the FAQ and the small print", async ({ page }) => {
    await page.goto("/");
    await page.getByRole("contentinfo").getByRole("link", { name: "FAQ" }).click();
    await expect(page).toHaveURL(/\/faq$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Frequently asked questions");
    await expect(page.getByRole("heading", { name: "Do my guests need an account?" })).toBeVisible();
    await expectAccessible(page);
    await expectNoSideways(page);
    for (const [name, path] of [
      ["How it works", "/how-it-works"],
      ["Terms", "/terms"],
      ["Cookies", "/cookies"],
    ]) {
      await page.getByRole("contentinfo").getByRole("link", { name, exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`${path}$`));
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      await expect(page.locator('meta[property="og:title"]')).toHaveAttribute("content", /.+/);
      await expectAccessible(page);
    }
  });

  test("a visitor signs in from an article, makes a list and adds the product to it", async ({ page }) => {
    const email = `ideas-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
    await addPoolUser(email, "Ida Ideas", "Ideas-pass-2026");

    await page.goto("/ideas");
    await expectAccessible(page);
    await page.getByRole("link", { name: "Baby shower gift list ideas" }).click();
    await expect(page).toHaveURL(/\/ideas\/baby-shower$/);
    await expectNoSideways(page);
    const second = page.locator("#product-2");
    const product = (await second.getByTestId("idea-product-title").innerText()).trim();
    await second.getByRole("link", { name: "Sign in to add it to your list" }).click();
    await signInOnHostedPage(page, email, "Ideas-pass-2026");
    // Back at the same product.
    await expect(page).toHaveURL(/\/ideas\/baby-shower#product-2$/);

    // No list yet: make one, then come back.
    await page.locator("#product-2").getByRole("link", { name: "Make a list to add it to" }).click();
    await expect(page).toHaveURL(/\/lists\/new$/);
    await page.getByLabel("Title").fill("Baby Ida");
    await page.getByLabel("Baby shower").check();
    await page.getByRole("button", { name: "Create the list" }).click();
    await expect(page).toHaveURL(/\/lists\/[A-Za-z0-9_-]{22}\/edit$/);

    await page.goto("/ideas/baby-shower#product-2");
    const form = page.locator("#product-2").getByTestId("add-idea");
    await expect(form.getByLabel("Your list")).toHaveValue(/.+/);
    await expectAccessible(page);
    await form.getByRole("button", { name: "Add to my list" }).click();

    // The list's editor, with the product on it.
    await expect(page).toHaveURL(/\/lists\/[A-Za-z0-9_-]{22}\/edit\?/);
    await expect(page.getByTestId("list-title")).toHaveText("Baby Ida");
    await expect(page.getByTestId("gift-title")).toContainText(product);
  });
});

test.describe("the contact page", () => {
  test("a message reaches the team, with a copy to its sender", async ({ page }) => {
    const email = `writer-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
    await page.goto("/");
    await page.getByRole("contentinfo").getByRole("link", { name: "Contact", exact: true }).click();
    await expect(page).toHaveURL(/\/contact$/);
    await expectAccessible(page);
    // A wrong address is said in words, and what was typed stays.
    await page.getByLabel("Your name").fill("Wendy Writer");
    await page.getByLabel("Your email address").fill("wendy-at-example");
    await page.getByLabel("Your message").fill("How do I share my list?");
    await page.getByRole("button", { name: "Send the message" }).click();
    await expect(page.getByText("Please enter your email address, like name@example.com.")).toBeVisible();
    await expect(page.getByLabel("Your message")).toHaveValue("How do I share my list?");
    await page.getByLabel("Your email address").fill(email);
    await page.getByRole("button", { name: "Send the message" }).click();
    await expect(page.getByTestId("contact-sent")).toContainText("we've got your message");
    await expectNoSideways(page);

    const [copy] = await outbox(email);
    expect(copy.Subject).toBe("We've received your message");
    expect(copy.BodyText).toContain("How do I share my list?");
  });
});
