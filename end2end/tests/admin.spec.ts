import type { Page } from "@playwright/test";
import { test, expect, expectAccessible, expectNoSideways, signInOnHostedPage, addPoolUser, signInAsNewOwner, hydrated } from "./fixtures";

const site = new URL(process.env.EWELISTS_SITE_URL ?? "http://localhost:3000").origin;

function unique(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A new owner, signed in, on the editor of their new list. */
async function newOwnerWithList(page: Page, name: string, title: string) {
  await signInAsNewOwner(page, "/lists/new", name);
  await hydrated(page);
  await page.getByLabel("Title").fill(title);
  await page.getByRole("button", { name: "Create the list" }).click();
  await expect(page).toHaveURL(/\/edit$/);
  await hydrated(page);
}

test.describe("the team's tools", () => {
  test("an admin promotes a product an owner typed, and the next owner finds it by its link", async ({ browser, page }) => {
    const link = `https://shop.example/${unique("e2e-cot")}`;

    // An owner adds a product the catalogue lacks, by hand, with its shop link.
    await newOwnerWithList(page, "Tess Typist", "Baby Tess");
    const manual = page.getByTestId("manual-add");
    if ((await manual.getAttribute("open")) === null) await manual.locator("summary").click();
    await manual.getByLabel("What is it?").fill("cot white wood");
    await manual.getByLabel("Link to the shop's page").fill(`${link}?utm_source=mail`);
    await manual.getByRole("button", { name: "Add to the list" }).click();
    await expect(page.getByTestId("gift")).toHaveCount(1);

    // An admin finds it in the queue, corrects it and promotes it.
    const admin = await browser.newContext();
    const tools = await admin.newPage();
    const email = `${unique("admin")}@example.com`;
    await addPoolUser(email, "Ada Admin", "Admin-pass-2026", true, ["admin"]);
    await tools.goto("/admin/queue");
    // Signed out, the tools do not exist.
    await expect(tools.getByRole("heading", { level: 1 })).toHaveText("We can't find that page");
    await tools.goto("/auth/sign-in?return_to=/admin/queue");
    await signInOnHostedPage(tools, email, "Admin-pass-2026");
    await expect(tools).toHaveURL(/\/admin\/queue$/);
    await expect(tools.getByRole("heading", { level: 1 })).toHaveText("Not in the catalogue");
    await expectAccessible(tools);
    await expectNoSideways(tools);
    const queued = tools.getByTestId("queued").filter({ hasText: link });
    await expect(queued).toContainText("On 1 list");
    await expect(queued.getByLabel("Link", { exact: true })).toHaveValue(link);
    await queued.getByLabel("Title", { exact: true }).fill("Snuggle Bay cot, white");
    await queued.getByLabel("Brand", { exact: true }).fill("Snuggle Bay");
    await queued.getByLabel("Price", { exact: true }).fill("149.00");
    await queued.getByRole("button", { name: "Promote to the catalogue" }).click();
    await expect(tools.getByTestId("promoted")).toBeVisible();
    await expect(tools.getByTestId("queued").filter({ hasText: link })).toHaveCount(0);

    // In the catalogue and the audit trail.
    await tools.getByRole("navigation", { name: "Tools" }).getByRole("link", { name: "Catalogue", exact: true }).click();
    await tools.getByLabel("Title, brand or link").fill("snuggle bay");
    await tools.getByRole("button", { name: "Search" }).click();
    await expect(tools.getByTestId("catalogue")).toContainText("Snuggle Bay cot, white");
    await tools.getByRole("navigation", { name: "Tools" }).getByRole("link", { name: "Audit trail", exact: true }).click();
    await expect(tools.getByTestId("audit").locator("li").first()).toContainText("Promoted to the catalogue");
    await expect(tools.getByTestId("audit").locator("li").first()).toContainText(email);
    // The counts: today's gift is on the chart.
    await tools.getByRole("navigation", { name: "Tools" }).getByRole("link", { name: "Counts", exact: true }).click();
    await expect(tools.getByTestId("kpi-gifts")).toBeVisible();
    await expect(tools.getByRole("img", { name: /^Gifts added: [1-9]\d* in 90 days/ })).toBeVisible();
    await expectAccessible(tools);
    await expectNoSideways(tools);
    await admin.close();

    // The next owner pastes the link and gets the curated product, straight from the catalogue.
    const next = await browser.newContext();
    const owner = await next.newPage();
    await newOwnerWithList(owner, "Nina Next", "Baby Nina");
    await owner.getByLabel("Paste a link from any shop").fill(link.replace("https://", "http://"));
    await owner.getByRole("button", { name: "Look it up" }).click();
    const details = owner.getByTestId("gift-details-form").first();
    await expect(details.getByLabel("What is it?")).toHaveValue("Snuggle Bay cot, white");
    await expect(details.getByLabel("Price")).toHaveValue("149.00");
    await next.close();
  });

  test("an owner cannot reach any page or function of the tools", async ({ page }) => {
    await signInAsNewOwner(page, "/lists", "Olive Owner");
    for (const path of ["/admin", "/admin/queue", "/admin/catalogue", "/admin/catalogue/new", "/admin/audit"]) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(404);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("We can't find that page");
      await expect(page.getByTestId("admin")).toHaveCount(0);
    }
    for (const fn of ["overview", "queue", "promote", "dismiss", "catalogue", "save-product", "retire", "audit"]) {
      const answer = await page.request.post(`/api/admin/${fn}`, {
        headers: { origin: site },
        form: { queued: "https://shop.example/x", id: "new", title: "X", url: "https://shop.example/x", q: "", retire: "true" },
      });
      expect(answer.status(), fn).toBe(404);
    }
  });
});
