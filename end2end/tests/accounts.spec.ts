import { test, expect, jsEnabled, mailTo, open, signUp, waitForHydration } from "./fixtures";

test("a learner signs up, confirms the address, edits the account, changes the password and logs out", async ({
  page,
  consoleErrors,
}, testInfo) => {
  // The weak password and the wrong current password are refused with 422,
  // the login before confirming with 403.
  testInfo.annotations.push({ type: "expected-http-status", description: "422" });
  testInfo.annotations.push({ type: "expected-http-status", description: "403" });
  const js = jsEnabled(testInfo);
  const email = `learner-${testInfo.project.name}-${Date.now()}@example.com`;
  const password = "harbour lights at dusk";
  const newPassword = "fresh sea breeze in sliema";

  // Sign up; a bad password is explained next to its field first.
  await open(page, "/signup", js);
  await signUp(page, "Maria Camilleri", email, "password12345");
  await expect(page.locator(".field-error")).toHaveText(/too common/);
  if (js) await waitForHydration(page);
  await signUp(page, "Maria Camilleri", email, password);
  await expect(page).toHaveURL(/\/check-email$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Check your e-mail");
  await expect(page.locator(".lead")).toContainText(`We have sent a link to ${email}.`);

  // Logging in before confirming says what to do, and sends nothing new.
  await open(page, "/login", js);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toContainText("Please confirm your e-mail address first");
  await expect(page.getByRole("link", { name: "No e-mail? Send me a new confirmation link" })).toBeVisible();
  await expect(page.getByRole("status")).toHaveCount(0);

  // Read the link from the development mailbox and confirm.
  const message = await mailTo(page, email, "Confirm your e-mail address");
  const link = await message.getByRole("link", { name: /verify-email\?token=/ }).getAttribute("href");
  await open(page, link!, js);
  await page.getByRole("button", { name: "Confirm my address" }).click();
  await expect(page).toHaveURL(/\/login\?notice=verified$/);

  // Log in.
  if (js) await waitForHydration(page);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your courses");
  await expect(page.getByRole("banner").getByRole("link", { name: "Maria Camilleri" })).toBeVisible();

  // Profile.
  await open(page, "/account/profile", js);
  await page.getByLabel("Phone").fill("+356 9912 3456");
  await page.getByLabel("Company").fill("Grand Harbour Logistics");
  await page.getByLabel("Job title").fill("Operations lead");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page).toHaveURL(/\/account\/profile\?notice=saved$/);
  await expect(page.getByRole("status")).toHaveText("Saved.");
  await page.reload();
  await expect(page.getByLabel("Phone")).toHaveValue("+356 9912 3456");
  await expect(page.getByLabel("Company")).toHaveValue("Grand Harbour Logistics");

  // Settings: the reminder before each session, and the zone every time is in.
  await open(page, "/account/settings", js);
  await expect(page.getByText("Every date and time on this site is in Malta time, the academy's time zone.")).toBeVisible();
  await expect(page.getByLabel("Reminders before my sessions")).toBeChecked();
  await page.getByLabel("Remind me this many hours before a session").fill("48");
  await page.getByLabel("Reminders before my sessions").uncheck();
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page).toHaveURL(/\/account\/settings\?notice=saved$/);
  await page.reload();
  await expect(page.getByLabel("Remind me this many hours before a session")).toHaveValue("48");
  await expect(page.getByLabel("Reminders before my sessions")).not.toBeChecked();

  // Change the password: a wrong current one is refused first.
  await open(page, "/account/security", js);
  await expect(page.locator("table.sessions")).toContainText("This device");
  await page.getByLabel("Current password").fill("not my password at all");
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator(".field-error")).toHaveText(/not your current password/);
  if (js) await waitForHydration(page);
  await page.getByLabel("Current password").fill(password);
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page).toHaveURL(/\/account\/security\?notice=password-changed$/);

  // Log out; the account pages send visitors to the login page.
  if (js) await waitForHydration(page);
  await page.getByRole("banner").getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login\?notice=logged-out$/);
  await open(page, "/account/profile", js);
  await expect(page).toHaveURL(/\/login\?next=\/account\/profile$/);

  // The new password works, and the login returns where it was asked from.
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("Password").fill(newPassword);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/account\/profile$/);
});

test("a learner whose confirmation link is lost asks for a new one, and only the new one works", async ({
  page,
  consoleErrors,
}, testInfo) => {
  // The retired first link is refused with 410.
  testInfo.annotations.push({ type: "expected-http-status", description: "410" });
  const js = jsEnabled(testInfo);
  const email = `resend-${testInfo.project.name}-${Date.now()}@example.com`;
  const subject = "Confirm your e-mail address";

  await open(page, "/signup", js);
  await signUp(page, "Joseph Vella", email, "limestone steps to the bastion");
  await expect(page).toHaveURL(/\/check-email$/);
  const first = await (await mailTo(page, email, subject)).getByRole("link", { name: /verify-email\?token=/ }).getAttribute("href");

  // Without a link, the page offers to send a new one.
  await open(page, "/verify-email", js);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByRole("button", { name: "Send a new link" }).click();
  await expect(page).toHaveURL(/\/check-email\?notice=link-sent$/);
  await expect(page.getByRole("status")).toContainText("We have sent a new link");
  const messages = page.locator("article.mail", { hasText: email }).filter({ hasText: subject });
  await expect(async () => {
    await page.goto("/dev/mailbox");
    await expect(messages).toHaveCount(2, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  const second = await messages.first().getByRole("link", { name: /verify-email\?token=/ }).getAttribute("href");
  expect(second).not.toEqual(first);

  // The first link was retired by the second.
  await open(page, first!, js);
  await page.getByRole("button", { name: "Confirm my address" }).click();
  await expect(page.getByRole("alert")).toContainText("This link is not valid any more");

  await open(page, second!, js);
  await page.getByRole("button", { name: "Confirm my address" }).click();
  await expect(page).toHaveURL(/\/login\?notice=verified$/);
});

test("a refused form comes back with what was typed and its errors, and a clean address", async ({ page }, testInfo) => {
  testInfo.annotations.push({ type: "expected-http-status", description: "422" });
  const js = jsEnabled(testInfo);
  await open(page, "/signup", js);
  await page.getByLabel("Full name").fill("Ann <b>Borg</b> & Co");
  await page.getByLabel("E-mail address").fill("ann at example");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#f-email-error")).toHaveText("Enter an e-mail address such as name@example.com.");
  await expect(page).toHaveURL(/\/signup$/);
  await expect(page.getByLabel("Full name")).toHaveValue("Ann <b>Borg</b> & Co");
  await expect(page.getByLabel("E-mail address")).toHaveValue("ann at example");
  if (!js) await expect(page.getByLabel("Password")).toHaveValue("");
  // A reload starts afresh: the error was never in the address.
  await page.reload();
  if (js) await waitForHydration(page);
  await expect(page.locator(".field-error")).toHaveCount(0);
});

test("after a refused form the focus is on what went wrong, sent with Enter or with the button", async ({ page }, testInfo) => {
  testInfo.annotations.push({ type: "expected-http-status", description: "422" });
  const js = jsEnabled(testInfo);

  // The enquiry form, sent by pressing Enter in the e-mail field.
  await open(page, "/contact", js);
  await page.getByLabel("Your name").fill("Rita Zammit");
  await page.getByLabel("Your message").fill("Do you run the Excel course in the evenings?");
  const email = page.getByLabel("Your e-mail address");
  await email.fill("rita at example");
  await email.press("Enter");
  await expect(email).toHaveAttribute("aria-invalid", "true");
  const summary = page.getByRole("alert");
  await expect(summary).toBeFocused();
  expect(await page.evaluate(() => document.activeElement?.getAttribute("role"))).toBe("alert");

  // Sent again, still refused: the focus comes back to the summary.
  if (js) {
    await page.getByLabel("Your name").fill("Rita Zammit-Borg");
    await page.getByLabel("Your e-mail address").press("Enter");
    await expect(page.getByRole("alert")).toBeFocused();
  }

  // The signup form, sent with its button.
  await open(page, "/signup", js);
  await page.getByLabel("Full name").fill("Rita Zammit");
  await page.getByLabel("E-mail address").fill("rita at example");
  await page.getByLabel("Password").fill("limestone steps to the bastion");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByLabel("E-mail address")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("alert")).toBeFocused();
});
