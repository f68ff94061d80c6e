import { test as base, expect, type Page } from '@playwright/test';

/** The password of every demonstration account (server/src/demo.rs). */
export const DEMO_PASSWORD = 'veta-demo-2026';

/** The address of a demonstration user. */
export const demoEmail = (username: string) => `${username}@demo.veta.com.co`;

export interface Email {
  id: string;
  subject: string;
  text: string;
  html: string;
  to: { address: string; name?: string }[];
}

/** The mail catcher (maildev) that received everything the server sent. */
export class Mailbox {
  private readonly base = process.env.MAILDEV_URL ?? 'http://127.0.0.1:1080';

  async all(): Promise<Email[]> {
    const response = await fetch(`${this.base}/email`);
    return (await response.json()) as Email[];
  }

  /** The ids present now: what a later `next` will not return. */
  async seen(): Promise<Set<string>> {
    return new Set((await this.all()).map((email) => email.id));
  }

  /** Waits for the first email to `to` that is not in `seen`. */
  async next(to: string, seen: Set<string>): Promise<Email> {
    let found: Email | undefined;
    await expect
      .poll(
        async () => {
          found = (await this.all()).find(
            (email) => !seen.has(email.id) && email.to.some((r) => r.address === to),
          );
          return found !== undefined;
        },
        { message: `un correo nuevo para ${to}`, timeout: 15_000 },
      )
      .toBe(true);
    return found as Email;
  }
}

/** The text messages the development SMS gateway recorded (GET /dev/sms). */
export async function lastSmsTo(page: Page, to: string): Promise<string | undefined> {
  const response = await page.request.get(`/dev/sms?to=${encodeURIComponent(to)}`);
  const log = (await response.json()) as { messages: { text: string }[] };
  return log.messages[0]?.text;
}

/** The eight-digit code of a sign-in message. */
export function codeIn(text: string): string {
  const match = /es:? (\d{8})/.exec(text);
  if (!match) throw new Error(`no hay código en: ${text}`);
  return match[1];
}

/** The link to `path` in an email. */
export function linkIn(email: Email, path: string): string {
  const match = new RegExp(`https?://[^\\s"]+${path}\\?token=[0-9a-f]{64}`).exec(email.text);
  if (!match) throw new Error(`no hay enlace ${path} en: ${email.text}`);
  return new URL(match[0]).pathname + new URL(match[0]).search;
}

/**
 * Every test gets a mailbox, and fails on a console error or an uncaught exception in the page:
 * that is how a hydration panic (a dead page for the user) is caught.
 */
export const test = base.extend<{ mail: Mailbox; pageErrors: string[] }>({
  mail: async ({}, use) => {
    await use(new Mailbox());
  },
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        // Chromium logs every 4xx answer. A page that is itself a 404 or 403, and a server function
        // that refuses a request (wrong code, invalid field…), are expected: the tests check what
        // the page shows. A 5xx, or any other error, fails the test.
        const url = msg.location().url;
        const refused = /status of 4\d\d/.test(msg.text()) && (url === page.url() || new URL(url).pathname.startsWith('/api/'));
        if (!refused) errors.push(`console: ${msg.text()} (${url})`);
      });
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
      await use(errors);
      expect(errors, 'errores en la consola del navegador').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Waits until the WASM client has hydrated the server-rendered page. */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
}

/** Fills the sign-in form and waits for the code page. */
export async function enterPassword(page: Page, identifier: string, password: string): Promise<void> {
  await page.goto('/ingresar');
  await hydrated(page);
  await page.getByLabel('Usuario / Correo electrónico').fill(identifier);
  await page.getByLabel('Contraseña', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  await expect(page).toHaveURL(/\/ingresar\/codigo$/);
}

/** Types a code and accepts it. */
export async function enterCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Código de autenticación').fill(code);
  await page.getByRole('button', { name: 'Aceptar' }).click();
}

/** Signs in with password and the emailed code; ends on the home page. */
export async function signIn(
  page: Page,
  mail: Mailbox,
  identifier: string,
  email: string,
  password = DEMO_PASSWORD,
): Promise<void> {
  const seen = await mail.seen();
  await enterPassword(page, identifier, password);
  const message = await mail.next(email, seen);
  await enterCode(page, codeIn(message.text));
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Inicio' })).toBeVisible();
}

/** A NIT with its DIAN check digit, random enough to be unique in one run. */
export function randomNit(): string {
  const base = `9${Math.floor(Math.random() * 1e8).toString().padStart(8, '0')}`;
  const weights = [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71];
  const sum = [...base].reverse().reduce((acc, digit, i) => acc + Number(digit) * weights[i], 0) % 11;
  const dv = sum === 0 || sum === 1 ? sum : 11 - sum;
  return `${base}-${dv}`;
}

/** A suffix that makes names unique in one run. */
export const unique = () => Math.random().toString(36).slice(2, 8);

export interface Registration {
  username: string;
  email: string;
  password: string;
  razonSocial: string;
  contactEmail: string;
  contactMobile: string;
}

/** Fills and sends the registration form of a trader; returns what was registered. */
export async function registerTrader(page: Page, secondFactor: 'EMAIL' | 'SMS', mobile = ''): Promise<Registration> {
  const id = unique();
  const registration = {
    username: `prueba.${id}`,
    email: `admin.${id}@prueba.co`,
    password: `una frase segura ${id}`,
    razonSocial: `COMERCIALIZADORA PRUEBA ${id.toUpperCase()} S.A.S`,
    contactEmail: `contacto.${id}@prueba.co`,
    contactMobile: '+573105551234',
  };
  await page.goto('/registro');
  await hydrated(page);
  await page.getByLabel('Tipo de participante').selectOption({ label: 'Comercializador' });
  await page.getByLabel('Tipo de documento').selectOption('NIT');
  await page.getByLabel('Número de documento').fill(randomNit());
  await page.getByLabel('Razón social').fill(registration.razonSocial);
  await page.getByLabel('Departamento').selectOption({ label: 'RISARALDA' });
  await page.getByLabel('Municipio').selectOption({ label: 'LA VIRGINIA' });
  await page.getByLabel('Correo de contacto').fill(registration.contactEmail);
  await page.getByLabel('Celular de contacto').fill('310 555 1234');
  await page.getByLabel('Número de inscripción en el RUCOM').fill(`RUCOM-2016${Date.now() % 1e8}`);
  await page.getByLabel('Estado en el RUCOM').selectOption({ label: 'Certificado' });
  await page.getByLabel('Nombres y apellidos').fill('Marta Ríos');
  await page.getByLabel('Nombre de usuario').fill(registration.username);
  await page.getByLabel('Correo electrónico', { exact: true }).fill(registration.email);
  await page.getByLabel('Celular', { exact: true }).fill(mobile);
  await page.getByLabel('Recibir el código de ingreso por').selectOption(secondFactor);
  await page.getByLabel('Contraseña', { exact: true }).fill(registration.password);
  await page.getByLabel('Confirme la contraseña').fill(registration.password);
  await page.getByRole('button', { name: 'Registrar' }).click();
  await expect(page.getByRole('status')).toContainText(`Le enviamos un enlace a ${registration.email}`);
  return registration;
}

/** Opens the verification link of the newest email to `email`. */
export async function verifyEmail(page: Page, mail: Mailbox, email: string, seen: Set<string>): Promise<void> {
  const message = await mail.next(email, seen);
  expect(message.subject).toBe('Verifique su correo en Veta');
  expect(message.text).toContain('el sistema de Trazabilidad Minera de Veta le informa');
  await page.goto(linkIn(message, '/verificar-correo'));
  await hydrated(page);
  await page.getByRole('button', { name: 'Verificar mi correo' }).click();
  await expect(page.getByRole('status')).toContainText('Su correo quedó verificado');
}
