// The steps of a purchase in the browser, shared by the journeys: the buyer (COMERCIALIZADORA ORO
// DEL CAUCA unless a test says otherwise) buys gold from a title holder (MINERA EL DILUVIO GOLD).
import { createHash } from 'node:crypto';
import type { Browser, Page } from '@playwright/test';
import { expect, hydrated, signIn, demoEmail, lastSmsTo, type Email, type Mailbox } from './support';

export const SELLER_CONTACT = 'gerencia.diluvio@demo.veta.com.co';
export const BUYER_CONTACT = 'gerencia.orocauca@demo.veta.com.co';
export const SELLER_MOBILE = '+573001110001';

/** Who sells: its entry of the Compras menu, how the buyer finds it, and where its codes go. */
export interface Seller {
  menu: 'Explotador Minero Autorizado' | 'Comercializador';
  codigoExpediente?: string;
  nit: string;
  razonSocial: string;
  /** The account that asks for the balances TXT. */
  account: string;
  contact: string;
  mobile: string;
}

/** The title holder of seed 000, the seller unless a test says otherwise. */
export const DILUVIO: Seller = {
  menu: 'Explotador Minero Autorizado',
  codigoExpediente: 'T14292011-003',
  nit: '9013049617',
  razonSocial: 'MINERA EL DILUVIO GOLD S.A.S',
  account: 'diluvio.admin',
  contact: SELLER_CONTACT,
  mobile: SELLER_MOBILE,
};

/** The demonstration processing plant, which sells what it refined. */
export const SEGOVIA: Seller = {
  menu: 'Comercializador',
  nit: '9006543210',
  razonSocial: 'PLANTA DE BENEFICIO SEGOVIA S.A.S',
  account: 'segovia.admin',
  contact: 'gerencia.segovia@demo.veta.com.co',
  mobile: '+573001110004',
};

export interface MaildevAttachment {
  fileName: string;
  generatedFileName: string;
}

/** Today in Bogotá, DD/MM/AAAA. */
export function today(): string {
  const [year, month, day] = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Bogota' })
    .format(new Date())
    .split('-');
  return `${day}/${month}/${year}`;
}

/** A new origin code of 100 g of gold for MINERA EL DILUVIO, issued by admin.ottm. */
export async function issueCode(browser: Browser, mail: Mailbox): Promise<string> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, mail, 'admin.ottm', demoEmail('admin.ottm'));
  const holders = (await (await page.request.post('/api/codigos-origen/titulares')).json()) as {
    organization_id: string;
    razon_social: string;
  }[];
  const diluvio = holders.find((h) => h.razon_social === 'MINERA EL DILUVIO GOLD S.A.S');
  expect(diluvio).toBeDefined();
  const response = await page.request.post('/api/codigos-origen/emitir', {
    form: {
      'draft[holder]': diluvio!.organization_id,
      'draft[mineral]': 'ORO',
      'draft[unit]': 'g',
      'draft[quantity]': '100',
      'draft[issued_on]': today(),
    },
  });
  expect(response.status()).toBe(200);
  const code = (await response.json()) as string;
  await context.close();
  return code;
}

/** Who buys: the demonstration trader unless a test says otherwise. */
export interface Buyer {
  identifier: string;
  email: string;
  password?: string;
}

const OROCAUCA: Buyer = { identifier: 'orocauca.operador', email: demoEmail('orocauca.operador') };

/** The buyer opens the wizard and fills the seller's and the transaction's data. */
export async function startPurchase(page: Page, mail: Mailbox, buyer: Buyer = OROCAUCA, seller: Seller = DILUVIO): Promise<void> {
  await signIn(page, mail, buyer.identifier, buyer.email, buyer.password);
  await hydrated(page);
  await page.getByRole('button', { name: 'Compras' }).click();
  await page.getByRole('link', { name: seller.menu, exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Datos del vendedor' })).toBeVisible();
  if (seller.codigoExpediente) await page.getByLabel('Código de expediente minero').fill(seller.codigoExpediente);
  await page.getByLabel('Tipo de documento').selectOption('NIT');
  await page.getByLabel('Número de documento').fill(seller.nit);
  await page.getByRole('button', { name: 'Buscar vendedor' }).click();
  await expect(page.getByLabel('Razón social')).toHaveValue(seller.razonSocial);
  await expect(page.getByText(`Vendedor registrado: ${seller.razonSocial} · correo ge•••@`)).toBeVisible();
  await page.getByLabel('Fecha de factura').fill(today());
  await page.getByLabel('Fecha de transacción').fill(today());
  // The support's SHA-256 is computed in the browser from the chosen file.
  const support = Buffer.from('Certificado de origen del vendedor, factura FE-1001');
  await page.getByLabel('Soporte de verificación del vendedor').setInputFiles({
    name: 'soporte.pdf',
    mimeType: 'application/pdf',
    buffer: support,
  });
  await expect(page.getByLabel('Código SHA-256')).toHaveValue(createHash('sha256').update(support).digest('hex'));
  await page.getByLabel('Departamento').selectOption('05');
  await page.getByLabel('Municipio').selectOption('05001');
}

/** "Gestionar URL" or "Generar Cód. WS", through the confirmation dialog. */
export async function handToSeller(page: Page, button: 'Gestionar URL' | 'Generar Cód. WS'): Promise<void> {
  await page.getByRole('button', { name: button }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText('¿Está seguro de que desea enviar una URL o un código WS al vendedor?');
  await dialog.getByRole('button', { name: 'Confirmar' }).click();
  await expect(page.locator('.estado-compra [data-estado]')).toHaveText('Pendiente por gestión del vendedor');
  await expect(page.getByText('La transacción está del lado de su vendedor.')).toBeVisible();
}

/** From "Transacciones en curso", "Retomar" the purchase the seller handled. */
export async function resume(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Transacciones en curso' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Transacciones en curso' })).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: 'Gestionada por el vendedor, pendiente gestión comprador' }).first();
  await expect(row).toContainText('MINERA EL DILUVIO GOLD S.A.S');
  await row.getByRole('link', { name: 'Retomar' }).click();
  await expect(page.locator('.estado-compra [data-estado]')).toHaveText('Gestionada por el vendedor, pendiente gestión comprador');
}

/**
 * "Enviar", then the validation code the seller received by email and SMS; ends registered. The
 * code's email states every line it approves, and the buyer sees the same lines where it types it.
 */
export async function sendAndConfirm(
  page: Page,
  mail: Mailbox,
  {
    expectedLine,
    buyerContact = BUYER_CONTACT,
    seller = DILUVIO,
  }: { expectedLine?: string; buyerContact?: string; seller?: Seller } = {},
): Promise<string> {
  const seen = await mail.seen();
  await page.getByRole('button', { name: 'Enviar', exact: true }).click();
  await expect(page.locator('.estado-compra [data-estado]')).toHaveText('Pendiente por confirmar');
  const email = await mail.next(seller.contact, seen);
  const code = /de la transacción: (\d{8})/.exec(email.text)![1];
  expect(await lastSmsTo(page, seller.mobile)).toContain(code);
  const approved = [...email.text.matchAll(/^\d+\. (.+ · .+ · .+ · .+)$/gm)].map((m) => m[1]);
  expect(approved.length).toBeGreaterThan(0);
  if (expectedLine) expect(approved).toContain(expectedLine);
  const consent = page.getByTestId('consentimiento');
  for (const line of approved) await expect(consent).toContainText(line);
  expect(email.text).toContain('/venta/rechazar/');

  const wrong = code === '00000000' ? '11111111' : '00000000';
  await page.getByLabel('Código de validación de la transacción').fill(wrong);
  await page.getByRole('button', { name: 'Confirmar transacción' }).click();
  await expect(page.getByRole('alert').first()).toContainText('Código incorrecto. Le quedan 4 intento(s).');

  const balances = await mail.seen();
  await page.getByLabel('Código de validación de la transacción').fill(code);
  await page.getByRole('button', { name: 'Confirmar transacción' }).click();
  const success = page.locator('[data-ptm]');
  await expect(success).toContainText('ha sido registrada de manera exitosa');
  const ptm = (await success.getAttribute('data-ptm'))!;
  expect(ptm).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  await expect(success).toHaveText(`La transacción ${ptm} ha sido registrada de manera exitosa.`);

  // Both parties receive their balances, with the TXT attached.
  for (const to of [buyerContact, seller.contact]) {
    const message = await nextWith(mail, to, balances, ptm);
    expect(message.text).toContain(`La transacción ${ptm} ha sido registrada de manera exitosa`);
    expect((message as unknown as { attachments: MaildevAttachment[] }).attachments[0].fileName).toMatch(/^saldos_/);
  }
  return ptm;
}

/** The first email to `to`, not in `seen`, whose text contains `needle`. */
export async function nextWith(mail: Mailbox, to: string, seen: Set<string>, needle: string): Promise<Email> {
  let found: Email | undefined;
  await expect
    .poll(async () => {
      found = (await mail.all()).find(
        (e) => !seen.has(e.id) && e.to.some((r) => r.address === to) && e.text.includes(needle),
      );
      return found !== undefined;
    }, { timeout: 15_000 })
    .toBe(true);
  return found!;
}

/** The balances page shows `quantity` under `code`. */
export async function expectBalance(page: Page, code: string, quantity: string): Promise<void> {
  await page.goto('/saldos');
  await expect(page.getByRole('row').filter({ hasText: code })).toContainText(quantity);
}


/**
 * The seller (MINERA EL DILUVIO unless told, signed in on `page`) asks for its balances email and
 * fills in its TXT: `grams` g of `code`, of which it holds `held` g, for COP 1.000.000. Answers
 * the filled TXT.
 */
export async function sellerTxt(
  page: Page,
  mail: Mailbox,
  code: string,
  grams: string,
  { seller = DILUVIO, held = '100' }: { seller?: Seller; held?: string } = {},
): Promise<string> {
  await signIn(page, mail, seller.account, demoEmail(seller.account));
  await page.goto('/reenviar-saldos');
  await hydrated(page);
  const seen = await mail.seen();
  await page.getByRole('button', { name: 'Reenviar saldos actualizados' }).click();
  const email = await nextWith(mail, seller.contact, seen, code);
  const attachment = (email as unknown as { attachments: MaildevAttachment[] }).attachments[0];
  const base = process.env.MAILDEV_URL ?? 'http://127.0.0.1:1080';
  const txt = await (await fetch(`${base}/email/${email.id}/attachment/${attachment.generatedFileName}`)).text();
  const filled = txt.replace(new RegExp(`^(${code}\\tORO\\t${held}\\tg\\t[0-9/]+)\\t\\t$`, 'm'), `$1\t${grams}\t1.000.000`);
  expect(filled).not.toBe(txt);
  return filled;
}

/** The buyer loads the seller's filled TXT into the purchase it started, adds IVA, and confirms. */
export async function buyWithTxt(
  page: Page,
  mail: Mailbox,
  filled: string,
  parties: { buyerContact?: string; seller?: Seller } = {},
): Promise<string> {
  await page.getByLabel('Cargar archivo (.TXT)').setInputFiles({ name: 'saldos.txt', mimeType: 'text/plain', buffer: Buffer.from(filled) });
  await page.getByRole('button', { name: '+' }).click();
  await page.getByLabel('Valor del impuesto 1').fill('190.000');
  return sendAndConfirm(page, mail, parties);
}
