// A `page` that records console errors, hydration warnings and uncaught exceptions; every test
// that uses it fails if any appeared.
import { test as base, expect } from "@playwright/test";

export const test = base.extend<{ consoleProblems: string[] }>({
  consoleProblems: async ({ page }, use) => {
    const problems: string[] = [];
    page.on("console", (message) => {
      const text = message.text();
      // A 404 page is served with status 404, which Chromium reports for the document itself.
      const isDocumentStatus =
        text.startsWith("Failed to load resource") && message.location().url === page.url();
      if (isDocumentStatus) return;
      if (message.type() === "error" || /hydrat/i.test(text)) {
        problems.push(`${message.type()}: ${text}`);
      }
    });
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    await use(problems);
    expect(problems, "the browser console stays clean").toEqual([]);
  },
});

export { expect };
