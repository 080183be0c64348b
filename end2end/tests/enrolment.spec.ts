import AxeBuilder from "@axe-core/playwright";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, expect, coursePaths, jsEnabled, logIn, logOut, mailTo, newLearner, open, stickingOut, waitForHydration } from "./fixtures";

async function axe(page: import("@playwright/test").Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

/** `text` as a regular expression that matches it literally. */
function literally(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The text of a PDF, read by pypdf (installed by the test command). */
function pdfText(bytes: Buffer): { title: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), "lyceum-pdf-"));
  const file = join(dir, "document.pdf");
  writeFileSync(file, bytes);
  const python = process.env.LYCEUM_TEST_PYTHON ?? "python3";
  const out = execFileSync(python, [join(__dirname, "../../tests/support/read_pdf.py"), file]);
  return JSON.parse(out.toString());
}

/**
 * Books the session whose "Book"/"Join the waitlist" link is `link` on the
 * course page shown now, through the order step, as a private person.
 */
async function book(page: import("@playwright/test").Page, js: boolean, link: import("@playwright/test").Locator) {
  await link.click();
  await expect(page).toHaveURL(/\/book\/\d+$/);
  await expect(page.getByRole("heading", { name: "Your booking" })).toBeVisible();
  await expect(page.getByText(/Free cancellation until/)).toBeVisible();
  if (js) await waitForHydration(page);
  await page.getByLabel("Street address").fill("3 Triq San Pawl");
  await page.getByLabel("Postcode").fill("SPB 1010");
  await page.getByLabel("Town or city").fill("St Paul's Bay");
  await page.getByLabel(/I accept the terms of booking/).check();
  await page.getByRole("button", { name: /^(Confirm the booking|Join the waitlist)/ }).click();
  await expect(page).toHaveURL(/\/account\/orders\/LY-[0-9A-Z]{4}-[0-9A-Z]{4}\?notice=(enrolled|waitlisted)$/);
}

test("a visitor sees what they would book, is sent to log in, and comes back to the order step", async ({ page, consoleErrors }, testInfo) => {
  const js = jsEnabled(testInfo);
  await open(page, "/courses", js);
  await page.locator("article .card-title a").first().click();
  await expect(page).toHaveURL(/\/courses\/[a-z0-9-]+$/);
  await page.getByRole("link", { name: /^(Book the session of|Join the waitlist for)/ }).first().click();
  await expect(page).toHaveURL(/\/book\/\d+$/);
  const step = new URL(page.url()).pathname;
  await expect(page.getByRole("heading", { name: "Your booking" })).toBeVisible();
  await expect(page.getByRole("rowheader", { name: "Total" })).toBeVisible();
  await page.getByRole("main").getByRole("link", { name: "Log in" }).click();
  await expect(page).toHaveURL(new RegExp(`/login\\?next=${step}$`));
});

test("a private learner books, gets the invoice, cancels before the deadline and gets the credit note", async ({ page, consoleErrors }, testInfo) => {
  test.slow();
  const js = jsEnabled(testInfo);
  const email = `books-${testInfo.project.name}-${Date.now()}@example.com`;
  await newLearner(page, js, "Ġorġ Żammit", email, "a walk along the bastions");
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("heading", { name: "No courses yet" })).toBeVisible();

  // A session with a free seat, booked through the order step.
  await open(page, "/courses", js);
  await page.locator("article .card-title a").first().click();
  const title = (await page.getByRole("heading", { level: 1 }).textContent())!.trim();
  const coursePath = new URL(page.url()).pathname;
  await book(page, js, page.getByRole("link", { name: /^Book the session of/ }).first());
  await expect(page.getByRole("status")).toContainText("Your seat is confirmed");
  await expect(page.getByRole("heading", { name: "How to pay" })).toBeVisible();
  const reference = (await page.locator("dd.code").first().textContent())!.trim();

  // The invoice, as a PDF that reads back with the buyer, the course and the number.
  const invoiceLink = page.getByRole("link", { name: /^Download invoice \d{4}-\d{6} \(PDF\)$/ });
  const number = (await invoiceLink.getAttribute("aria-label"))!.match(/\d{4}-\d{6}/)![0];
  const invoice = await page.request.get((await invoiceLink.getAttribute("href"))!);
  expect(invoice.headers()["content-type"]).toBe("application/pdf");
  const read = pdfText(await invoice.body());
  expect(read.title).toBe(`Invoice ${number}`);
  expect(read.text).toContain("Ġorġ Żammit");
  expect(read.text).toContain(reference);
  expect(read.text).toContain(title.slice(0, 20));
  const mail = await mailTo(page, email, `Your booking ${reference}`);
  await expect(mail).toContainText(`Invoice ${number} is attached`);

  // The course page knows the booking, and the account page lists it.
  await open(page, coursePath, js);
  await expect(page.getByText("You're booked")).toBeVisible();
  await open(page, "/account", js);
  await expect(page.locator("li.enrolment")).toContainText(title);
  // Its calendar entry, when the seat is confirmed.
  const calendar = page.locator("li.enrolment").getByRole("link", { name: /^Add to calendar: / });
  if (await calendar.count()) {
    const answer = await page.request.get((await calendar.getAttribute("href"))!);
    expect(answer.headers()["content-type"]).toBe("text/calendar; charset=utf-8");
    expect(await answer.text()).toContain("BEGIN:VEVENT");
  }
  // The private calendar address, made on request.
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: "Get my calendar address" }).click();
  await expect(page.getByLabel("Calendar address")).toHaveValue(/\/calendar\/[A-Za-z0-9_-]+\.ics$/);
  const feed = await page.request.get(new URL(await page.getByLabel("Calendar address").inputValue()).pathname);
  expect(await feed.text()).toContain(title.split(",")[0].slice(0, 20));
  if (js) await axe(page);

  // Cancel it (or leave the waitlist): asked again, with the booking in full.
  const seat = (await calendar.count()) > 0;
  await page.getByRole("link", { name: new RegExp(`^(Cancel|Leave the waitlist for) ${literally(title)} on `) }).click();
  await expect(page).toHaveURL(/\/account\/enrolments\/\d+\/cancel$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(seat ? "Cancel your booking" : "Leave the waitlist");
  await expect(page.locator(".booking-facts")).toContainText(title);
  if (seat) {
    await expect(page.locator(".booking-facts")).toContainText(/Free cancellation until \w+day \d{1,2} \w+ \d{4}, \d{2}:\d{2} \((CET|CEST)\)/);
    await expect(page.locator(".booking-facts")).toContainText("No fee.");
  }
  if (js) await waitForHydration(page);
  if (js) await axe(page);
  await page.getByRole("button", { name: seat ? "Cancel this booking" : "Leave the waitlist" }).click();
  await expect(page).toHaveURL(seat ? /\/account\?notice=enrolment-cancelled$/ : /\/account\?notice=waitlist-left$/);

  // It stays, as history, with nothing left to do.
  const history = page.getByRole("list", { name: "History" });
  await expect(history).toContainText(title);
  await expect(history).toContainText(/Cancelled on \w+day \d{1,2} \w+ \d{4}/);
  await expect(history.getByRole("link", { name: /^(Cancel|Leave)/ })).toHaveCount(0);

  // The credit note, for the whole amount, naming the invoice.
  await open(page, "/account/orders", js);
  await page.getByRole("link", { name: reference }).click();
  const creditLink = page.getByRole("link", { name: /^Download credit note \d{4}-\d{6} \(PDF\)$/ });
  const credit = pdfText(await (await page.request.get((await creditLink.getAttribute("href"))!)).body());
  expect(credit.title).toMatch(/^Credit note \d{4}-\d{6}$/);
  expect(credit.text).toContain(number);
  await mailTo(page, email, "Credit note");
});

/** The course pages of the whole catalogue, from the sitemap, last first. */

test("the last seat is taken, the next learner waits, and is promoted when it frees up", async ({ page, consoleErrors }, testInfo) => {
  test.setTimeout(90_000);
  const js = jsEnabled(testInfo);
  // A session with one seat left: the first such for one project, the
  // second for the other, from the end of the catalogue (the other
  // journeys take seats from its start).
  let target: { path: string; when: string } | undefined;
  let seen = 0;
  await page.goto("/courses");
  const taken = await page.locator("article .card-title a").first().getAttribute("href");
  for (const path of (await coursePaths(page)).reverse()) {
    if (path === taken) continue;
    await page.goto(path);
    const row = page.locator("tr", { hasText: "1 seat left" }).first();
    if ((await row.count()) === 0) continue;
    if (seen++ === (js ? 0 : 1)) {
      const label = await row.getByRole("link", { name: /^Book the session of / }).getAttribute("aria-label");
      target = { path, when: label!.replace("Book the session of ", "") };
      break;
    }
  }
  expect(target, "the demo data has sessions with one seat left").toBeTruthy();
  const stamp = `${testInfo.project.name}-${Date.now()}`;
  const first = `last-seat-${stamp}@example.com`;
  const second = `next-in-line-${stamp}@example.com`;
  const password = "a quiet evening in mdina";
  const bookLink = (name: RegExp) => page.getByRole("link", { name });

  // The first learner takes the last seat.
  await newLearner(page, js, "Rita Zammit", first, password);
  await open(page, target!.path, js);
  await book(page, js, bookLink(new RegExp(`^Book the session of ${target!.when}$`)));
  await logOut(page, js);

  // The second finds it full and joins the waitlist, first in line.
  await newLearner(page, js, "Paul Galea", second, password);
  await open(page, target!.path, js);
  await book(page, js, bookLink(new RegExp(`^Join the waitlist for ${target!.when}$`)));
  await expect(page.getByRole("status")).toContainText("waitlist");
  await expect(page.getByText("No invoice yet")).toBeVisible();
  await open(page, "/account", js);
  await expect(page.locator("li.enrolment")).toContainText("On the waitlist, position 1");
  await logOut(page, js);

  // The first gives the seat up; the second is promoted, and told.
  await logIn(page, js, first, password);
  await page.getByRole("link", { name: /^Cancel / }).click();
  await expect(page).toHaveURL(/\/account\/enrolments\/\d+\/cancel$/);
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: "Cancel this booking" }).click();
  await expect(page).toHaveURL(/\/account\?notice=enrolment-cancelled$/);
  await logOut(page, js);
  const mail = await mailTo(page, second, "A seat freed up");
  await expect(mail).toContainText("it is yours");
  await logIn(page, js, second, password);
  await expect(page.locator("li.enrolment")).toContainText("Seat confirmed");
});

test("on a phone, a learner moves a seat to another date: each date in full, asked again, nothing wider than the screen", async ({ page, consoleErrors }, testInfo) => {
  test.slow();
  const js = jsEnabled(testInfo);
  await page.setViewportSize({ width: 390, height: 844 });
  // A course with two dates or more with plenty of seats (the other
  // journeys take the last seats): the first such for one project, the
  // second for the other.
  const roomy = (row: import("@playwright/test").Locator) =>
    row.filter({ hasText: /(^|\D)(\d{2,}|[4-9]) seats left/ }).filter({ has: page.getByRole("link", { name: /^Book the session of / }) });
  let target: string | undefined;
  let seen = 0;
  for (const path of await coursePaths(page)) {
    await page.goto(path);
    if ((await roomy(page.locator("tr")).count()) < 2) continue;
    if (seen++ === (js ? 0 : 1)) {
      target = path;
      break;
    }
  }
  expect(target, "the demo data has courses with two dates with free seats").toBeTruthy();
  const email = `mover-${testInfo.project.name}-${Date.now()}@example.com`;
  await newLearner(page, js, "Clara Mifsud", email, "a ferry across the harbour");
  await open(page, target!, js);
  await book(page, js, roomy(page.locator("tr")).first().getByRole("link", { name: /^Book the session of / }));
  expect(await stickingOut(page), "the order at 390px").toEqual([]);
  await open(page, "/account", js);
  expect(await stickingOut(page), "/account at 390px").toEqual([]);

  // The other dates, each with its days, hours and place in full.
  const booking = page.locator("li.enrolment").first();
  await booking.getByText("Move to another date").click();
  const choices = booking.getByRole("group", { name: "Choose the new date" });
  await expect(choices.getByRole("radio").first()).toBeVisible();
  // A date with a free seat (a full one is waited for, another journey).
  const free = choices.locator(".date-choice").filter({ hasNotText: "Full: wait for a seat" }).first();
  const when = (await free.locator(".date-choice-when").innerText()).trim();
  expect(when).toMatch(/^\w+day \d{1,2} \w+.* \d{4}, \d{2}:\d{2}–\d{2}:\d{2}( each day)? \((CET|CEST)(, then (CET|CEST))?\)$/);
  await expect(free.locator(".date-choice-place")).toHaveText(/^(Online|.+campus, .+)$/);
  expect(await stickingOut(page), "/account with its move list open at 390px").toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: testInfo.outputPath("account-move-390.png"), fullPage: true });
  if (js) await axe(page);

  // Chosen, then asked again, then moved.
  await free.getByRole("radio").check();
  await booking.getByRole("button", { name: "Review the move" }).click();
  await expect(page).toHaveURL(/\/account\/enrolments\/\d+\/move\?to=\d+$/);
  await expect(page.getByRole("heading", { name: "Move your booking", level: 1 })).toBeVisible();
  await expect(page.locator("main")).toContainText(when);
  await expect(page.locator("main")).toContainText("No fee.");
  expect(await stickingOut(page), "the move to confirm at 390px").toEqual([]);
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: "Move my booking" }).click();
  await expect(page).toHaveURL(/\/account\?notice=enrolment-moved$/);
  await expect(page.locator("li.enrolment").first()).toContainText(when);
  await expect(page.getByRole("list", { name: "History" })).toContainText(`Moved to ${when}`);
  expect(await stickingOut(page), "/account after the move at 390px").toEqual([]);
});
