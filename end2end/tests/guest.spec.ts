import { test, expect, hydrated, makeList, outbox, manageLink, reserveAsGuest, openReserveForm, giftCard, expectAccessible, expectNoSideways, newGuest } from "./fixtures";

const unique = (name: string) => `${name}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.com`;

test.describe("a guest", () => {
  test("reserves 2 of 3, manages it from the email, and the next guest sees what is left", async ({ page, browser }) => {
    const listUrl = await makeList(page, "Mia's shower", [{ title: "Muslin squares", wanted: 3 }], "counts");
    const ownerEmail = await ownerAddress(page);

    const guest = await newGuest(browser);
    const g = await guest.newPage();
    // Guest pages are plain HTML: no WebAssembly, no script file.
    const loaded: string[] = [];
    g.on("request", (r) => {
      if (/\.(wasm|js)$/.test(new URL(r.url()).pathname)) loaded.push(r.url());
    });
    await g.goto(listUrl);
    await expect(g.getByTestId("gift-availability")).toHaveText("3 of 3 still wanted");
    await expectAccessible(g);
    await expectNoSideways(g);
    await openReserveForm(g, "Muslin squares");
    await expectAccessible(g);
    const email = unique("gus");
    await reserveAsGuest(g, "Muslin squares", "Gus", email, 2);
    // The reservation page, which says its link is on its way, and the email with that link.
    await expect(g).toHaveURL(/\/reservations\/[^?]+\?new=1$/);
    await expect(g.getByTestId("reservation-state")).toContainText("You reserved 2");
    await expect(g.getByTestId("reserved-new")).toContainText("We're emailing you a link to this page");
    const [confirmation] = await outbox(email);
    expect(confirmation.Subject).toContain("Muslin squares");
    const link = manageLink(confirmation);
    expect(`${link}?new=1`).toBe(g.url());
    // Back on the list, this browser is told what it reserved.
    await g.goto(listUrl);
    await expect(g.getByTestId("mine")).toHaveText("You reserved 2");
    await expect(g.getByTestId("gift-availability")).toHaveText("1 of 3 still wanted");

    // The emailed link: change to 1, then confirm the purchase.
    await g.goto(link);
    await expectAccessible(g);
    await g.getByLabel("Change how many").selectOption("1");
    await g.getByRole("button", { name: "Change", exact: true }).click();
    await expect(g.getByTestId("reservation-state")).toContainText("You reserved 1");
    await expect(g.getByTestId("changed")).toHaveText("Changed: you now hold 1.");
    await expect(g.getByTestId("reserved-new")).toHaveCount(0);
    await g.getByRole("button", { name: "I've bought it" }).click();
    await expect(g.getByTestId("reservation-state")).toContainText("You bought 1");
    expect(loaded, "files a guest page loaded").toEqual([]);
    const mails = await outbox(email, 2);
    expect(mails.map((m) => m.Subject)).toContainEqual(expect.stringContaining("Thank you for buying"));
    // The owner is told, without the name (counts mode).
    const notices = (await outbox(ownerEmail, 2)).filter((m) => m.Subject.startsWith("A gift was bought"));
    expect(notices).toHaveLength(1);
    expect(notices[0].BodyText).toContain("Someone bought 1");
    expect(notices[0].BodyText).not.toContain("Gus");
    await guest.close();

    // The owner can't remove a gift that guests hold, and is told why.
    await page.goto(listUrl.replace(/\/lists\/([^/]+)$/, "/lists/$1/edit"));
    await hydrated(page);
    const held = page.getByTestId("gift");
    await held.getByTestId("gift-edit").locator("summary").click();
    await held.getByRole("button", { name: "Remove this gift" }).click();
    await expect(held.getByRole("alert")).toContainText("can't be removed");
    await expect(page.getByTestId("gift")).toHaveCount(1);

    // Another guest sees 2 left; they reserve and then cancel.
    const other = await newGuest(browser);
    const o = await other.newPage();
    await o.goto(listUrl);
    await hydrated(o);
    await expect(o.getByTestId("gift-availability")).toHaveText("2 of 3 still wanted");
    await expect(o.getByTestId("mine")).toHaveCount(0);
    await expect(o.getByText("Gus")).toHaveCount(0);
    await reserveAsGuest(o, "Muslin squares", "Ola", unique("ola"), 2);
    await expect(o.getByTestId("reservation-state")).toContainText("You reserved 2");
    await o.getByRole("button", { name: "Cancel my reservation" }).click();
    await expect(o.getByTestId("reservation-state")).toHaveText("You cancelled this reservation.");
    await o.goto(listUrl);
    await expect(o.getByTestId("gift-availability")).toHaveText("2 of 3 still wanted");
    await other.close();
  });

  test("two guests race for the last one: exactly one wins, the other reads why", async ({ page, browser }) => {
    const listUrl = await makeList(page, "Last one", [{ title: "Baby monitor", wanted: 1 }]);
    const a = await newGuest(browser);
    const b = await newGuest(browser);
    const [pa, pb] = [await a.newPage(), await b.newPage()];
    for (const p of [pa, pb]) {
      await p.goto(listUrl);
      const card = await openReserveForm(p, "Baby monitor");
      await card.getByLabel("Your name").fill("Racer");
      await card.getByLabel("Your email").fill(unique("racer"));
    }
    await Promise.all([
      pa.getByRole("button", { name: "Reserve it" }).click(),
      pb.getByRole("button", { name: "Reserve it" }).click(),
    ]);
    const outcome = async (p: typeof pa) => {
      await expect(p.locator("[data-testid=reservation-state], [role=alert]").first()).toBeVisible();
      return /\/reservations\//.test(p.url()) ? "won" : await p.getByRole("alert").first().innerText();
    };
    const results = [await outcome(pa), await outcome(pb)];
    expect(results.filter((r) => r === "won")).toHaveLength(1);
    expect(results.find((r) => r !== "won")).toMatch(/someone has just reserved the last one|no longer/i);
    await a.close();
    await b.close();
  });

  test("a closed list offers nothing to reserve", async ({ page, browser }) => {
    const listUrl = await makeList(page, "Closing soon", [{ title: "Board game", wanted: 2 }]);
    await page.getByRole("link", { name: "Settings" }).click();
    await hydrated(page);
    await page.getByRole("button", { name: "Close the list" }).click();
    await expect(page.getByTestId("list-closed")).toBeVisible();
    const guest = await newGuest(browser);
    const g = await guest.newPage();
    await g.goto(listUrl);
    await expect(g.getByTestId("list-closed")).toBeVisible();
    await expect(g.getByTestId("reserve-link")).toHaveCount(0);
    await expect(g.getByTestId("reserve")).toHaveCount(0);
    await guest.close();
  });

  test("reserves with JavaScript turned off", async ({ page, browser }) => {
    const listUrl = await makeList(page, "No script", [{ title: "Wooden train", wanted: 2 }]);
    const guest = await newGuest(browser, { javaScriptEnabled: false });
    const g = await guest.newPage();
    await g.goto(listUrl);
    // A bad email comes back in words.
    await reserveAsGuest(g, "Wooden train", "Nia", "not-an-email", 1);
    await expect(g.locator("#reserve-email-error")).toContainText(/email/i);
    const email = unique("nia");
    await reserveAsGuest(g, "Wooden train", "Nia", email, 1);
    await expect(g).toHaveURL(/\/reservations\//);
    await expect(g.getByTestId("reservation-state")).toContainText("You reserved 1");
    await g.getByRole("button", { name: "I've bought it" }).click();
    await expect(g.getByTestId("reservation-state")).toContainText("You bought 1");
    await guest.close();
  });

  test("a reservation whose answer was lost is made once when the form is sent again", async ({ page, browser }) => {
    const listUrl = await makeList(page, "Lost answer", [{ title: "Night light", wanted: 3 }]);
    const guest = await newGuest(browser, { javaScriptEnabled: false });
    const g = await guest.newPage();
    await g.goto(listUrl);
    const card = await openReserveForm(g, "Night light");
    const email = unique("dee");
    await card.getByLabel("Your name").fill("Dee");
    await card.getByLabel("Your email").fill(email);
    // The server does the work, but its answer never reaches the browser.
    let sent: string | null = null;
    await g.route("**/api/reserve", async (route) => {
      sent = route.request().postData();
      await route.fetch();
      await route.abort("connectionreset");
    });
    await card.getByRole("button", { name: "Reserve it" }).click();
    await expect.poll(() => sent).not.toBeNull();
    await g.unroute("**/api/reserve");
    // Sent again as the browser resends a form (its body, its cookies): the same reservation.
    const again = await g.request.post("/api/reserve", {
      data: sent!,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: new URL(listUrl).origin,
        referer: g.url(),
        accept: "text/html",
      },
      maxRedirects: 0,
    });
    expect(again.status()).toBe(302);
    expect(again.headers()["location"]).toMatch(/^\/reservations\/[^?]+\?new=1$/);
    await g.goto(listUrl);
    await expect(g.getByTestId("gift-availability")).toHaveText("2 of 3 still wanted");
    await expect(g.getByTestId("mine")).toHaveText("You reserved 1");
    expect(await outbox(email, 2)).toHaveLength(1);
    await guest.close();
  });

  test("a refused reservation opens only its own gift's form, with what was typed", async ({ page, browser }) => {
    const listUrl = await makeList(page, "Two gifts", [
      { title: "Rocking horse", wanted: 1 },
      { title: "Picture book", wanted: 2 },
    ]);
    const guest = await newGuest(browser);
    const g = await guest.newPage();
    await g.goto(listUrl);
    // One form on the page, whichever gift is chosen.
    await expect(g.locator("main form")).toHaveCount(0);
    await reserveAsGuest(g, "Picture book", "Tess", "tess@", 2);
    await expect(g.locator("#reserve-email-error")).toContainText(/email/i);
    await expect(g.locator("main form")).toHaveCount(1);
    const book = giftCard(g, "Picture book");
    await expect(book.getByTestId("reserve")).toBeVisible();
    await expect(giftCard(g, "Rocking horse").getByTestId("reserve")).toHaveCount(0);
    await expect(book.getByLabel("Your name")).toHaveValue("Tess");
    await expect(book.getByLabel("Your email")).toHaveValue("tess@");
    await expect(book.getByLabel("How many?")).toHaveValue("2");
    await book.getByLabel("Your email").fill(unique("tess"));
    await book.getByRole("button", { name: "Reserve it" }).click();
    await expect(g.getByTestId("reservation-state")).toContainText("You reserved 2");
    await guest.close();
  });
});

/** The signed-in owner's email, from their account page. */
async function ownerAddress(page: import("@playwright/test").Page) {
  await page.goto("/account");
  return (await page.getByTestId("account-email").innerText()).trim();
}
