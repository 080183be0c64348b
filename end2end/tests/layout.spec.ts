import { test, expect, jsEnabled, logIn, open, signUp, stickingOut } from "./fixtures";
import type { Page, TestInfo } from "@playwright/test";

// The main pages on a 390×844 phone and a 1366×900 laptop: nothing is
// wider than the screen, the catalogue's first results show on the first
// screen, and a screenshot of each is kept with the test's results.

const staffPassword = process.env.STAFF_PASSWORD ?? "";
const sizes = [
  { name: "phone", width: 390, height: 844 },
  { name: "laptop", width: 1366, height: 900 },
];
const publicPages = [
  "/",
  "/courses",
  "/courses?mode=online&category=cybersecurity",
  "/login",
  "/signup",
  "/check-email",
  "/courses?page=99",
  "/contact",
];

/** How much wider than the viewport the page is (0 when it fits). */
async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** A full-page screenshot, kept with the test's results (end2end/test-results/<test>/<label>.png). */
async function keep(page: Page, testInfo: TestInfo, label: string) {
  await page.screenshot({ path: testInfo.outputPath(`${label.replace(/[^a-z0-9]+/gi, "-")}.png`), fullPage: true });
}

for (const size of sizes) {
  test.describe(`on a ${size.name} (${size.width}×${size.height})`, () => {
    test.use({ viewport: { width: size.width, height: size.height } });

    test("no public page is wider than the screen", async ({ page, consoleErrors }, testInfo) => {
      const js = jsEnabled(testInfo);
      const course = await firstCourse(page);
      for (const path of [...publicPages, course]) {
        await open(page, path, js);
        expect(await overflow(page), `${path} is wider than the screen`).toBeLessThanOrEqual(0);
        await keep(page, testInfo, `${size.name} ${path}`);
      }
      expect(consoleErrors).toEqual([]);
    });

    test("the first course shows on the first screen, and the header is one row", async ({ page }, testInfo) => {
      await open(page, "/courses", jsEnabled(testInfo));
      const first = page.locator("ul.cards > li").first();
      await expect(first).toBeInViewport();
      const box = await first.boundingBox();
      expect(box!.y).toBeLessThan(size.height - 100);
      const header = await page.locator(".header-inner").boundingBox();
      const brand = await page.locator(".brand").boundingBox();
      expect(header!.height, "one row").toBeLessThan(brand!.height * 1.8);
      if (size.name === "phone") {
        // The filters are folded behind one control, which opens them.
        await expect(page.getByLabel("Subject")).toBeHidden();
        await page.locator(".filter-panel > summary").click();
        await expect(page.getByLabel("Subject")).toBeVisible();
      } else {
        await expect(page.getByLabel("Subject")).toBeVisible();
      }
    });

    test("signed-in pages fit too", async ({ page, consoleErrors }, testInfo) => {
      test.skip(!staffPassword, "STAFF_PASSWORD is not set (scripts/test sets it)");
      const js = jsEnabled(testInfo);
      await logIn(page, js, "staff@lyceum.example", staffPassword);
      for (const path of ["/account", "/account/security", "/admin/sessions"]) {
        await open(page, path, js);
        expect(await overflow(page), `${path} is wider than the screen`).toBeLessThanOrEqual(0);
        await keep(page, testInfo, `${size.name} ${path}`);
      }
      expect(consoleErrors).toEqual([]);
    });
  });
}

test("a long address to confirm fits a phone's screen", async ({ page, consoleErrors }, testInfo) => {
  const js = jsEnabled(testInfo);
  await page.setViewportSize({ width: 390, height: 844 });
  // Sixty characters without a space, as some work addresses are.
  const domain = "@example.com";
  const local = `confirm.${testInfo.project.name}.${Date.now()}.`.padEnd(60 - domain.length, "x");
  const email = `${local}${domain}`;
  expect(email).toHaveLength(60);
  await open(page, "/signup", js);
  await signUp(page, "Carmen Grech", email, "limestone steps to the bastion");
  await expect(page).toHaveURL(/\/check-email$/);
  await expect(page.locator(".lead")).toContainText(email);
  expect(await stickingOut(page), "/check-email at 390px").toEqual([]);
  expect(await overflow(page), "/check-email is wider than the screen").toBeLessThanOrEqual(0);
  await keep(page, testInfo, "phone check-email long address");
  expect(consoleErrors).toEqual([]);
});

test("each filter in force is a chip that removes it", async ({ page, consoleErrors }, testInfo) => {
  await open(page, "/courses?q=security&mode=online&category=cybersecurity", jsEnabled(testInfo));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Online cybersecurity courses matching “security”");
  const chips = page.getByRole("list", { name: "Filters in force" });
  await chips.getByRole("link", { name: "Remove Online" }).click();
  await expect(page).toHaveURL(/\/courses\?q=security&category=cybersecurity$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Cybersecurity courses matching “security”");
  await expect(chips.getByRole("link", { name: "Remove Online" })).toHaveCount(0);
  await chips.getByRole("link", { name: "Clear all" }).click();
  await expect(page).toHaveURL(/\/courses$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Courses");
  expect(consoleErrors).toEqual([]);
});

test("a search sends only what was chosen, and Back brings back the form as it was", async ({ page, consoleErrors }, testInfo) => {
  await open(page, "/courses?q=security", jsEnabled(testInfo));
  await page.getByRole("searchbox", { name: "Search courses" }).fill("leadership");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(/\/courses\?q=leadership$/);
  await page.goBack();
  await expect(page).toHaveURL(/\/courses\?q=security$/);
  await expect(page.getByRole("searchbox", { name: "Search courses" })).toHaveValue("security");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Courses matching “security”");
  expect(consoleErrors).toEqual([]);
});

/** The address of the first course in the catalogue. */
async function firstCourse(page: Page): Promise<string> {
  const response = await page.request.get("/courses");
  const html = await response.text();
  return html.match(/href="(\/courses\/[a-z0-9-]+)"/)![1];
}
