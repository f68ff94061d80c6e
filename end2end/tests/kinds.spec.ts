import type { Page } from '@playwright/test';
import { test, expect, hydrated, signIn, demoEmail, lastSmsTo } from './support';
import { expectBalance, handToSeller, resume, sendAndConfirm, startPurchase, today, SELLER_CONTACT } from './purchase';

// The other kinds of purchase of the menu, end to end: from a subsistence miner (its cupo by SMS),
// without identified origin (a balance apart), and an initial balance declared, approved by the
// Administrador OTTM and then sold from.

test.describe.configure({ timeout: 120_000 });

const MINER_MOBILE = '+573001110003';

/** The transaction's data, with the support's SHA-256 computed from a chosen file. */
async function fillTransaction(page: Page, supportLabel: string, departamento: string, municipio: string) {
  await page.getByLabel('Fecha de factura').fill(today());
  await page.getByLabel('Fecha de transacción').fill(today());
  await page.getByLabel(supportLabel).setInputFiles({
    name: 'soporte.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from(`Soporte ${Math.random()}`),
  });
  await expect(page.getByLabel('Código SHA-256')).toHaveValue(/^[0-9a-f]{64}$/);
  await page.getByLabel('Departamento').selectOption(departamento);
  await page.getByLabel('Municipio').selectOption(municipio);
}

/** One typed line of gold. */
async function goldLine(page: Page, grams: string, value: string) {
  await page.getByRole('button', { name: 'Agregar mineral' }).click();
  await page.getByLabel('Mineral de la línea 1').selectOption('ORO');
  await page.getByLabel('Unidad de la línea 1').selectOption('g');
  await page.getByLabel('Cantidad de la línea 1').fill(grams);
  await page.getByLabel('Valor de la línea 1').fill(value);
}

/** Compras → Minero de Subsistencia, filled for JOSÉ ANTONIO RENTERÍA MOSQUERA, and "Enviar". */
async function buyFromMiner(page: Page, grams: string) {
  await page.goto('/compras/minero-de-subsistencia');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Minero de Subsistencia');
  await page.getByLabel('Tipo de documento').selectOption('CC');
  await page.getByLabel('Número de documento').fill('11801234');
  await page.getByRole('button', { name: 'Buscar vendedor' }).click();
  await expect(page.getByLabel('Razón social')).toHaveValue('JOSÉ ANTONIO RENTERÍA MOSQUERA');
  await fillTransaction(page, 'Soporte de verificación del vendedor', '27', '27001');
  await goldLine(page, grams, '6.000.000');
  await page.getByRole('button', { name: 'Enviar', exact: true }).click();
}

test('compra a un minero de subsistencia: código por SMS, cupo restante en el SMS y tope del mes', async ({ page, mail }) => {
  await signIn(page, mail, 'orocauca.operador', demoEmail('orocauca.operador'));
  await buyFromMiner(page, '20');
  await expect(page.locator('.estado-compra [data-estado]')).toHaveText('Pendiente por confirmar');
  // The buyer sees the miner's cupo before confirming: nothing sold yet this month.
  await expect(page.getByTestId('cupos')).toContainText('35 g en el mes, 420 g en el año');
  const sms = (await lastSmsTo(page, MINER_MOBILE))!;
  expect(sms).toContain('le compra 20,0000 g ORO');
  const code = /validacion: (\d{8})/.exec(sms)![1];
  await page.getByLabel('Código de validación de la transacción').fill(code);
  await page.getByRole('button', { name: 'Confirmar transacción' }).click();
  const success = page.locator('[data-ptm]');
  await expect(success).toContainText('ha sido registrada de manera exitosa');
  const ptm = (await success.getAttribute('data-ptm'))!;
  // The miner's SMS states the cupo left for the month and the year.
  await expect.poll(() => lastSmsTo(page, MINER_MOBILE)).toContain(ptm);
  expect(await lastSmsTo(page, MINER_MOBILE)).toContain('15 g en el mes, 400 g en el año');

  // The buyer holds the gold under the miner's origin code.
  await page.goto('/saldos');
  await expect(page.locator('[data-procedencia="MINERO_SUBSISTENCIA"]').first()).toBeVisible();

  // A second purchase beyond the month's cupo is refused with the figure left.
  await buyFromMiner(page, '20');
  await expect(page.getByText(/supera el cupo mensual .* disponible 15 g/)).toBeVisible();
  await expect(page.locator('.estado-compra [data-estado]')).toHaveCount(0);
});

test('compra sin identificación de origen: queda en un saldo aparte y el auditor la ve', async ({ page, browser, mail }) => {
  await signIn(page, mail, 'orocauca.operador', demoEmail('orocauca.operador'));
  await page.goto('/compras/sin-identificacion-de-origen');
  await hydrated(page);
  await page.getByLabel('Tipo de documento').selectOption('CC');
  await page.getByLabel('Número de documento').fill('43555666');
  await page.getByLabel('Nombre o razón social').fill('LUZ MARINA OSPINA');
  await fillTransaction(page, 'Evidencia de la procedencia del material', '05', '05001');
  await goldLine(page, '50', '12.000.000');
  // The declaration is required, and said so at its field.
  await page.getByRole('button', { name: 'Registrar compra' }).click();
  await expect(page.getByText(/describa de dónde viene el material/)).toBeVisible();
  await page.getByLabel('Declaración de procedencia').fill('Joyas en desuso compradas en el mostrador a particulares');
  await page.getByRole('button', { name: 'Registrar compra' }).click();
  const success = page.locator('[data-ptm]');
  await expect(success).toContainText('saldo aparte');
  const ptm = (await success.getAttribute('data-ptm'))!;

  await page.goto('/saldos');
  const apart = page.getByRole('row').filter({ has: page.locator('[data-procedencia="SIN_ORIGEN"]') });
  await expect(apart).toContainText('Compra sin origen identificado');
  await expect(apart).toContainText('ORO');

  const auditorContext = await browser.newContext();
  const auditor = await auditorContext.newPage();
  await signIn(auditor, mail, 'auditor.anm', demoEmail('auditor.anm'));
  await auditor.goto('/auditoria/compras-sin-origen');
  await expect(auditor.getByTestId('compras-sin-origen').getByRole('row').filter({ hasText: ptm })).toContainText(
    'Joyas en desuso',
  );
  await auditorContext.close();
});

test('saldo inicial declarado, aprobado por el Administrador OTTM y vendido', async ({ page, browser, mail }) => {
  // The title holder declares 200 g of gold held before the platform.
  const holderContext = await browser.newContext();
  const holder = await holderContext.newPage();
  await signIn(holder, mail, 'diluvio.admin', demoEmail('diluvio.admin'));
  await holder.goto('/saldos-iniciales');
  await hydrated(holder);
  await holder.getByLabel('Fecha del inventario').fill(today());
  await holder.getByLabel('Certificado de inventario firmado por el contador').setInputFiles({
    name: 'inventario.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from(`Inventario ${Math.random()}`),
  });
  await holder.getByLabel('Mineral del lote 1').selectOption('ORO');
  await holder.getByLabel('Cantidad del lote 1').fill('200');
  await holder.getByRole('button', { name: 'Enviar declaración' }).click();
  await expect(holder.getByText('Declaración enviada: queda pendiente de aprobación.')).toBeVisible();

  // The Administrador OTTM approves it.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, mail, 'admin.ottm', demoEmail('admin.ottm'));
  await admin.goto('/saldos-iniciales');
  await hydrated(admin);
  const card = admin.locator('[data-declaracion="PENDIENTE"]').filter({ hasText: 'MINERA EL DILUVIO GOLD S.A.S' }).first();
  await expect(card).toContainText('ORO 200,0000 g');
  const seen = await mail.seen();
  await card.getByRole('button', { name: 'Aprobar' }).click();
  await expect(card).toHaveCount(0);
  const email = await mail.next(SELLER_CONTACT, seen);
  expect(email.text).toContain('aprobó su declaración de saldos iniciales');
  await adminContext.close();

  // The lot has its code and its balance.
  await holder.goto('/saldos');
  const row = holder.getByRole('row').filter({ has: holder.locator('[data-procedencia="SALDO_INICIAL"]') }).first();
  await expect(row).toContainText('200,0000');
  const code = (await row.getByRole('link').first().textContent())!.trim();

  // And it is sold: the buyer hands the purchase to the holder, who sells 10 g of that code.
  await startPurchase(page, mail);
  const linkSeen = await mail.seen();
  await handToSeller(page, 'Gestionar URL');
  const linkEmail = await mail.next(SELLER_CONTACT, linkSeen);
  const link = /https?:\/\/\S+\/venta\/[0-9a-f]{64}/.exec(linkEmail.text)![0];
  await holder.goto(new URL(link).pathname);
  await hydrated(holder);
  await holder.getByLabel(`Venta ${code}`).fill('10');
  await holder.getByRole('button', { name: 'Subir datos' }).click();
  await holder.getByLabel('Valor de la línea 1').pressSequentially('2.400.000');
  await holder.getByRole('button', { name: 'Enviar' }).click();
  await holder.getByRole('alertdialog').getByRole('button', { name: 'Confirmar' }).click();
  await expect(holder.getByRole('status')).toContainText('Sus datos fueron enviados');
  await resume(page);
  await sendAndConfirm(page, mail);
  await expectBalance(page, code, '10,0000');
  await expectBalance(holder, code, '190,0000');
  await holderContext.close();
});
