import AxeBuilder from "@axe-core/playwright";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, expect, jsEnabled, logIn, mailTo, newLearner, open, waitForHydration } from "./fixtures";

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

  // The course page knows the booking, and so does the account page.
  await open(page, "/account", js);
  await expect(page.locator("li.enrolment")).toContainText(title);
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: new RegExp(`^Cancel ${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} on `) }).click();
  await expect(page).toHaveURL(/\/account\?notice=enrolment-cancelled$/);

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
async function coursePaths(page: import("@playwright/test").Page): Promise<string[]> {
  const sitemap = await (await page.request.get("/sitemap.xml")).text();
  return [...sitemap.matchAll(/<loc>[^<]*(\/courses\/[a-z0-9-]+)<\/loc>/g)].map((m) => m[1]).reverse();
}

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
  for (const path of await coursePaths(page)) {
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
  const logOut = async () => {
    if (js) await waitForHydration(page);
    await page.getByRole("banner").getByRole("button", { name: "Log out" }).click();
    await expect(page.getByRole("banner").getByRole("link", { name: "Log in" })).toBeVisible();
  };

  // The first learner takes the last seat.
  await newLearner(page, js, "Rita Zammit", first, password);
  await open(page, target!.path, js);
  await book(page, js, bookLink(new RegExp(`^Book the session of ${target!.when}$`)));
  await logOut();

  // The second finds it full and joins the waitlist, first in line.
  await newLearner(page, js, "Paul Galea", second, password);
  await open(page, target!.path, js);
  await book(page, js, bookLink(new RegExp(`^Join the waitlist for ${target!.when}$`)));
  await expect(page.getByRole("status")).toContainText("waitlist");
  await expect(page.getByText("No invoice yet")).toBeVisible();
  await open(page, "/account", js);
  await expect(page.locator("li.enrolment")).toContainText("On the waitlist, position 1");
  await logOut();

  // The first gives the seat up; the second is promoted, and told.
  await logIn(page, js, first, password);
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: /^Cancel / }).click();
  await expect(page).toHaveURL(/\/account\?notice=enrolment-cancelled$/);
  await logOut();
  const mail = await mailTo(page, second, "A seat freed up");
  await expect(mail).toContainText("it is yours");
  await logIn(page, js, second, password);
  await expect(page.locator("li.enrolment")).toContainText("Seat confirmed");
});
