import AxeBuilder from "@axe-core/playwright";
import { test, expect, jsEnabled, logIn, stickingOut, waitForHydration } from "./fixtures";

const staffPassword = process.env.STAFF_PASSWORD ?? "";

/** Logs the demo staff member in (scripts/test gives them a known password). */
async function logInAsStaff(page: import("@playwright/test").Page, js: boolean) {
  test.skip(!staffPassword, "STAFF_PASSWORD is not set (scripts/test sets it)");
  await logIn(page, js, "staff@lyceum.example", staffPassword);
}

async function axe(page: import("@playwright/test").Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

test("staff mark a learner completed on a roster, and the certificate verifies in public", async ({ page, consoleErrors }, testInfo) => {
  const js = jsEnabled(testInfo);
  await logInAsStaff(page, js);

  // The rosters: a session that ran a few weeks ago, of a course with a certificate.
  await page.getByRole("banner").getByRole("link", { name: "Rosters" }).click();
  await expect(page.getByRole("heading", { name: "Rosters", level: 1 })).toBeVisible();
  await page.getByRole("list", { name: "Running and recent" }).getByRole("link", { name: /AWS/ }).first().click();
  await expect(page).toHaveURL(/\/admin\/sessions\/\d+$/);
  await expect(page.getByRole("heading", { name: "Roster", level: 1 })).toBeVisible();

  // The first learner not yet completed: attended, completed.
  if (js) await waitForHydration(page);
  const id = await page.locator('li.roster-entry:has(input[name$="[completed]"]:not(:checked))').first().getAttribute("id");
  const entry = page.locator(`li#${id}`);
  const name = (await entry.locator(".roster-name").textContent())!.trim();
  // A day at a time for a course over several days: every day begun, attended.
  for (const day of await entry.locator('select[form="roster-marks"]:not([disabled])').all()) await day.selectOption("attended");
  await entry.getByLabel("Completed the course").check();
  await page.getByRole("button", { name: "Save the roster" }).click();
  await expect(page).toHaveURL(/notice=marked/);
  const done = page.locator(`li#${id}`);
  await expect(done.getByLabel("Completed the course")).toBeChecked();

  // Its certificate, as anyone checking it sees it.
  await done.getByRole("link", { name: "Certificate" }).click();
  await expect(page).toHaveURL(/\/certificates\/[0-9a-z]{26}$/);
  await expect(page.getByRole("status")).toContainText("Valid.");
  await expect(page.locator(".certificate-name")).toHaveText(name);
  await expect(page.locator(".certificate-qr svg")).toBeVisible();
  const credential = await page.getByRole("link", { name: "Download the signed credential" }).getAttribute("href");
  const answer = await page.request.get(credential!);
  expect(answer.status()).toBe(200);
  expect((await answer.text()).split(".")).toHaveLength(3);
  // Printed, it is one A4 page.
  await page.emulateMedia({ media: "print" });
  const pdf = (await page.pdf({ format: "A4", printBackground: true })).toString("latin1");
  expect(pdf.match(/\/Type\s*\/Page[^s]/g) ?? [], "pages in the printed certificate").toHaveLength(1);
  await page.emulateMedia({ media: "screen" });
  if (js) await axe(page);
});

test("a busy day's roster: everyone marked present at once, a sign-in sheet, and both fit a phone", async ({ page, consoleErrors }, testInfo) => {
  test.slow();
  const js = jsEnabled(testInfo);
  await logInAsStaff(page, js);
  await page.goto("/admin/sessions");
  await page.getByRole("list", { name: "Running and recent" }).getByRole("link").nth(1).click();
  await expect(page).toHaveURL(/\/admin\/sessions\/\d+$/);
  const roster = new URL(page.url()).pathname;
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: "Mark everyone not yet marked as attended" }).click();
  await expect(page).toHaveURL(/notice=marked/);
  await expect(page.getByRole("status").first()).toBeVisible();
  // Nobody on it is left unmarked on a day that has begun.
  const unmarked = page.locator('select[form="roster-marks"]:not([disabled]) option[value=""][selected]');
  await expect(unmarked).toHaveCount(0);

  for (const width of [390, 1366]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(roster);
    expect(await stickingOut(page), `roster at ${width}px`).toEqual([]);
    await page.screenshot({ path: testInfo.outputPath(`roster-${width}.png`), fullPage: true });
    await page.goto(`${roster}/sign-in`);
    await expect(page.getByRole("heading", { name: "Sign-in sheet", level: 1 })).toBeVisible();
    expect(await stickingOut(page), `sheet at ${width}px`).toEqual([]);
    await page.screenshot({ path: testInfo.outputPath(`sign-in-${width}.png`), fullPage: true });
  }
  await expect(page.locator(".sign-in-table tbody tr").first()).toBeVisible();
  if (js) await axe(page);
  await page.goto(roster);
  if (js) await axe(page);
});

test("a revoked certificate is found from its grouped number through the footer, and prints as revoked", async ({ page, consoleErrors }, testInfo) => {
  test.slow();
  const js = jsEnabled(testInfo);
  await logInAsStaff(page, js);

  // A learner of a recent AWS session completes it; staff then revoke the
  // certificate. From the end of the roster (the other test takes the first),
  // one learner per project, so runs side by side do not meet.
  await page.goto("/admin/sessions");
  await page.getByRole("list", { name: "Running and recent" }).getByRole("link", { name: /AWS/ }).first().click();
  await expect(page).toHaveURL(/\/admin\/sessions\/\d+$/);
  if (js) await waitForHydration(page);
  const pending = page.locator('li.roster-entry:has(input[name$="[completed]"]:not(:checked))');
  const id = await (js ? pending.last() : pending.nth(-2)).getAttribute("id");
  const entry = page.locator(`li#${id}`);
  for (const day of await entry.locator('select[form="roster-marks"]:not([disabled])').all()) await day.selectOption("attended");
  await entry.getByLabel("Completed the course").check();
  await page.getByRole("button", { name: "Save the roster" }).click();
  await expect(page).toHaveURL(/notice=marked/);
  if (js) await waitForHydration(page);
  await page.locator(`li#${id}`).getByLabel(/^Reason to revoke the certificate of/).fill("Issued in error: wrong course");
  await page.locator(`li#${id}`).getByRole("button", { name: "Revoke certificate" }).click();
  await expect(page).toHaveURL(/notice=certificate-revoked/);
  const href = await page.locator(`li#${id}`).getByRole("link", { name: "Certificate (revoked)" }).getAttribute("href");
  const code = href!.match(/\/certificates\/([0-9a-z]{26})$/)![1];

  // Someone holding the paper copy types the number as it is read out.
  await page.getByRole("contentinfo").getByRole("link", { name: "Verify a certificate" }).click();
  await expect(page).toHaveURL(/\/certificates$/);
  await expect(page.getByRole("heading", { name: "Verify a certificate", level: 1 })).toBeVisible();
  if (js) await waitForHydration(page);
  const grouped = code.toUpperCase().match(/.{1,4}/g)!.join(" ");
  await page.getByLabel("Certificate number").fill(grouped);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(new RegExp(`/certificates/${code}$`));
  await expect(page.getByRole("alert")).toContainText("Revoked.");
  const shown = (await page.locator(".certificate-code").textContent())!;
  expect(shown).toContain(" ");
  expect(shown.replace(/\s/g, "")).toBe(code);
  const band = page.locator(".certificate-sheet .certificate-revoked");
  await expect(band).toContainText(/Revoked on .*: Issued in error: wrong course/);

  // Printed, the sheet itself says it is revoked, on one A4 page.
  await page.emulateMedia({ media: "print" });
  await expect(band).toBeVisible();
  await expect(page.locator(".certificate-name")).toBeVisible();
  const pdf = (await page.pdf({ format: "A4", printBackground: true })).toString("latin1");
  expect(pdf.match(/\/Type\s*\/Page[^s]/g) ?? [], "pages in the printed certificate").toHaveLength(1);
  await page.emulateMedia({ media: "screen" });
  if (js) await axe(page);
});
