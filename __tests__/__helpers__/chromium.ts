import type { Browser } from 'puppeteer-core'

/**
 * Headless Chromium as users have it: the one that ships in the @sparticuz/chromium npm package (Linux x64), unless
 * CHROMIUM_PATH names another, without the package's default switches that turn off the same-origin policy.
 */
export async function launchChromium(): Promise<Browser> {
  const chromium = (await import('@sparticuz/chromium')).default
  const puppeteer = (await import('puppeteer-core')).default
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH || (await chromium.executablePath()),
    args: chromium.args.filter(
      (arg) => !/^--(disable-web-security|allow-running-insecure-content|single-process)/.test(arg)
    ),
    headless: true
  })
}
