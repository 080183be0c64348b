import { test, expect, jsEnabled, logIn, mailTo, waitForHydration } from "./fixtures";

const staffPassword = process.env.STAFF_PASSWORD ?? "";
const learner = "learner@lyceum.example";

test("staff message a session's learners from its roster and the learner's mail arrives", async ({ page, consoleErrors }, testInfo) => {
  test.skip(!staffPassword, "STAFF_PASSWORD is not set (scripts/test sets it)");
  const js = jsEnabled(testInfo);
  testInfo.annotations.push({ type: "expected-http-status", description: "422" });
  await logIn(page, js, "staff@lyceum.example", staffPassword);

  // An upcoming session of its own for each project, with the demo learner on it.
  await page.goto("/admin/sessions");
  await page.getByRole("list", { name: "Upcoming" }).getByRole("link").nth(js ? 0 : 1).click();
  await expect(page.getByRole("heading", { name: "Roster", level: 1 })).toBeVisible();
  if (js) await waitForHydration(page);
  if ((await page.getByText(learner).count()) === 0) {
    await page.getByLabel("Their account's e-mail address").fill(learner);
    await page.getByRole("button", { name: "Enrol", exact: true }).click();
    await expect(page).toHaveURL(/notice=(enrolled|waitlisted)-for/);
    if (js) await waitForHydration(page);
  }

  // Sent empty: refused next to the field, nothing sent.
  await expect(page.getByRole("heading", { name: "Message the learners" })).toBeVisible();
  const message = page.getByLabel("Message", { exact: true });
  await page.getByRole("button", { name: "Send the message" }).click();
  await expect(message).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#f-body-error")).toContainText("required");

  // Then written: every learner, the waitlist too, gets it by e-mail.
  if (js) await waitForHydration(page);
  const text = `Room change: we are in room 4B on the second floor (${testInfo.project.name} ${Date.now()}).`;
  await message.fill(text);
  await page.getByLabel("Send it to those on the waitlist too").check();
  await page.getByRole("button", { name: "Send the message" }).click();
  await expect(page).toHaveURL(/notice=messaged/);
  await expect(page.getByRole("status").filter({ hasText: "The message is on its way" })).toBeVisible();
  await expect(page.getByLabel("Message", { exact: true })).toHaveValue("");
  const mail = await mailTo(page, learner, text);
  await expect(mail.locator(".mail-subject")).toContainText("About your session:");
});
