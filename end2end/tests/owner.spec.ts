import { test, expect, hydrated, signInAsNewOwner, expectAccessible, expectNoSideways, signInOnHostedPage, addPoolUser } from "./fixtures";

const shop = process.env.EWELISTS_TEST_SHOP ?? "http://127.0.0.1:9";
const catalogueLink = "https://www.amazon.co.uk/gp/product/B0EXAMPLE1?tag=shared-from-app";

test.describe("the list owner", () => {
  test("makes a list, fills it three ways, edits, shares, sets it up, closes and deletes it", async ({ page, context }) => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await signInAsNewOwner(page);
    await hydrated(page);
    // An empty dashboard leads to the first list.
    await expect(page.getByRole("heading", { name: "Make your first list" })).toBeVisible();
    await expectAccessible(page);
    await expectNoSideways(page);
    await page.getByRole("link", { name: "Create a list" }).click();

    // New list: the picture follows the occasion.
    await expect(page).toHaveURL(/\/lists\/new$/);
    await hydrated(page);
    await expectAccessible(page);
    await page.getByLabel("Title").fill("Leo turns three");
    await page.getByLabel("Birthday").check();
    await expect(page.getByTestId("occasion-picture")).toHaveAttribute("src", "/images/occasions/birthday.svg");
    await page.getByLabel(/^Date/).fill("2027-03-14");
    await page.getByLabel(/A message for your guests/).fill("Thank you for coming!");
    await page.getByRole("button", { name: "Create the list" }).click();

    // The new list's editor.
    await expect(page).toHaveURL(/\/lists\/[A-Za-z0-9_-]{22}\/edit$/);
    await hydrated(page);
    await expect(page.getByTestId("list-title")).toHaveText("Leo turns three");
    await expect(page.getByText("14 March 2027")).toBeVisible();
    await expect(page.getByTestId("no-gifts")).toBeVisible();
    await expectAccessible(page);
    await expectNoSideways(page);

    // 1. From the catalogue (a differently tracked link to the same product).
    await page.getByLabel("Paste a link from any shop").fill(`Look at this ${catalogueLink}`);
    await page.getByRole("button", { name: "Look it up" }).click();
    const details = page.getByTestId("gift-details-form").first();
    await expect(details.getByTestId("lookup-note")).toContainText("We know this product");
    await expect(details.getByLabel("What is it?")).toHaveValue("Sophie la girafe teether");
    await details.getByLabel("How many?").fill("2");
    await details.getByRole("button", { name: "Add to the list" }).click();
    const gifts = page.getByTestId("gift");
    await expect(gifts).toHaveCount(1);
    await expect(gifts.first().getByTestId("gift-title")).toHaveText("Sophie la girafe teether");
    // Added: the link field is empty again, for the next one.
    await expect(page.getByLabel("Paste a link from any shop")).toHaveValue("");

    // 2. From a shop's page, read from its metadata.
    await page.getByLabel("Paste a link from any shop").fill(`${shop}/cot.html`);
    await page.getByRole("button", { name: "Look it up" }).click();
    const read = page.getByTestId("gift-details-form").first();
    await expect(read.getByTestId("lookup-note")).toContainText("shop's page");
    await expect(read.getByLabel("What is it?")).toHaveValue("Travel cot");
    await expect(read.getByLabel("Price")).toHaveValue("89.99");
    await read.getByRole("button", { name: "Add to the list" }).click();
    await expect(gifts).toHaveCount(2);

    // The same link twice is refused in words.
    await page.getByLabel("Paste a link from any shop").fill(`${shop}/cot.html`);
    await page.getByRole("button", { name: "Look it up" }).click();
    await page.getByTestId("gift-details-form").first().getByRole("button", { name: "Add to the list" }).click();
    await expect(page.getByRole("alert").filter({ hasText: /already on the list/i })).toBeVisible();
    await expect(gifts).toHaveCount(2);

    // 3. By hand.
    await page.getByTestId("manual-add").locator("summary").click();
    const manual = page.getByTestId("manual-add");
    await manual.getByLabel("What is it?").fill("Hand-knitted blanket");
    await manual.getByLabel(/Where is it from/).fill("Granny");
    await manual.getByRole("button", { name: "Add to the list" }).click();
    await expect(gifts).toHaveCount(3);
    await expect(gifts.nth(2).getByTestId("gift-title")).toHaveText("Hand-knitted blanket");

    // Edit how many and the notes.
    const blanket = gifts.nth(2);
    await blanket.getByTestId("gift-edit").locator("summary").click();
    await blanket.getByLabel("How many?").fill("2");
    await blanket.getByLabel("Notes").fill("Blue, please");
    await blanket.getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("gift").nth(2).getByTestId("gift-counts")).toContainText("Wanted 2");
    await expect(page.getByTestId("gift").nth(2).getByTestId("gift-notes")).toHaveText("Blue, please");
    // Copy the share link.
    const shareUrl = await page.getByTestId("share-url").inputValue();
    expect(shareUrl).toMatch(/\/lists\/[A-Za-z0-9_-]{22}$/);
    await page.getByTestId("copy-link").click();
    await expect(page.getByTestId("copy-status")).toHaveText("The link is copied. Paste it into a message.");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shareUrl);
    await expect(page.getByRole("link", { name: "Email" })).toHaveAttribute("href", /^mailto:\?subject=Our%20gift%20list/);

    // Settings: details, then the surprise mode.
    await page.getByRole("link", { name: "Settings" }).click();
    await hydrated(page);
    await expectAccessible(page);
    await page.getByLabel("Title").fill("Leo is three!");
    await page.getByRole("button", { name: "Save details" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Saved." }).first()).toBeVisible();
    await page.getByLabel(/Show who reserved what/).check();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    // Only the form just sent says so.
    await expect(page.getByRole("status").filter({ hasText: "Saved." })).toHaveCount(1);
    await expect(page.getByLabel(/Show who reserved what/)).toBeChecked();
    // Close: the editor says so.
    await page.getByRole("button", { name: "Close the list" }).click();
    await expect(page.getByTestId("list-closed")).toBeVisible();
    await page.getByRole("link", { name: "← Back to the list" }).click();
    await expect(page.getByTestId("list-title")).toHaveText("Leo is three!");
    await expect(page.getByTestId("closed-badge")).toBeVisible();
    await expect(page.getByText("You see who reserved and bought each gift.")).toBeVisible();

    // Delete, with the confirmation.
    await page.getByRole("link", { name: "Settings" }).click();
    await hydrated(page);
    await page.getByRole("button", { name: "Delete the list" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "type delete" })).toBeVisible();
    await page.getByLabel("Type delete to confirm").fill("delete");
    await page.getByRole("button", { name: "Delete the list" }).click();
    await expect(page).toHaveURL(/\/lists$/);
    await expect(page.getByRole("heading", { name: "Make your first list" })).toBeVisible();
  });

  test("another owner's list is not shown", async ({ page, browser }) => {
    await signInAsNewOwner(page, "/lists/new");
    await page.getByLabel("Title").fill("Private list");
    await page.getByRole("button", { name: "Create the list" }).click();
    await expect(page).toHaveURL(/\/edit$/);
    const editor = page.url();

    const other = await browser.newContext();
    const stranger = await other.newPage();
    await signInAsNewOwner(stranger, "/lists", "Sam Stranger");
    await stranger.goto(editor);
    await expect(stranger.getByRole("heading", { name: "We can't show this list" })).toBeVisible();
    await expect(stranger.getByText("Private list")).toHaveCount(0);
    await other.close();
  });

  test("the core forms work without JavaScript", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const email = `nojs-${Date.now().toString(36)}@example.com`;
    await addPoolUser(email, "Nora NoScript", "Owner-pass-2026");
    await page.goto("/lists/new");
    await signInOnHostedPage(page, email, "Owner-pass-2026");
    await expect(page).toHaveURL(/\/lists\/new$/);

    // A bad title comes back with the error in words.
    await page.getByRole("button", { name: "Create the list" }).click();
    // Sent back in a link, the error is in the site's own words for the field (a link carries no text).
    await expect(page.getByText(/Please enter a title/)).toBeVisible();
    await page.getByLabel("Title").fill("Christmas at ours");
    await page.getByLabel("Christmas").check();
    await page.getByRole("button", { name: "Create the list" }).click();
    await expect(page).toHaveURL(/\/edit$/);
    await expect(page.getByTestId("list-title")).toHaveText("Christmas at ours");

    // Add a gift by hand (the disclosure opens without a script).
    await page.getByTestId("manual-add").locator("summary").click();
    await page.getByTestId("manual-add").getByLabel("What is it?").fill("Board game");
    await page.getByTestId("manual-add").getByLabel("How many?").fill("2");
    await page.getByTestId("manual-add").getByRole("button", { name: "Add to the list" }).click();
    await expect(page.getByTestId("gift")).toHaveCount(1);
    await expect(page.getByTestId("gift-counts")).toContainText("Wanted 2");

    // Edit it.
    await page.getByTestId("gift-edit").locator("summary").click();
    await page.getByTestId("gift").getByLabel("How many?").fill("3");
    await page.getByTestId("gift").getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("gift-counts")).toContainText("Wanted 3");

    // Close it from the settings.
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Close the list" }).click();
    await expect(page.getByTestId("list-closed")).toBeVisible();
    await context.close();
  });
});
