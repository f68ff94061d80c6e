import { readFileSync } from 'node:fs';
import { test, expect, hydrated, signIn, demoEmail } from './support';
import {
  SELLER_CONTACT,
  expectBalance,
  handToSeller,
  issueCode,
  nextWith,
  resume,
  sellerTxt,
  sendAndConfirm,
  startPurchase,
  today,
  type MaildevAttachment,
} from './purchase';

// The purchase of seed 000, end to end, through each of the three channels: a buyer (COMERCIALIZADORA
// ORO DEL CAUCA) buys 10 g of gold from a title holder (MINERA EL DILUVIO GOLD). Each journey sells
// from an origin code of its own, issued by the operator's administrator, so that journeys running
// side by side never share a balance.

// Whole journeys: several sign-ins, two or three browsers, a dozen emails.
test.describe.configure({ timeout: 120_000 });

test('compra por URL: el vendedor gestiona la venta desde el enlace y el comprador la confirma', async ({ page, browser, mail }) => {
  const code = await issueCode(browser, mail);
  await startPurchase(page, mail);
  const seen = await mail.seen();
  await handToSeller(page, 'Gestionar URL');

  // The seller, in a browser of its own and without an account, opens the emailed link.
  const email = await mail.next(SELLER_CONTACT, seen);
  const link = /https?:\/\/\S+\/venta\/[0-9a-f]{64}/.exec(email.text)![0];
  const sellerContext = await browser.newContext();
  const seller = await sellerContext.newPage();
  await seller.goto(new URL(link).pathname);
  await hydrated(seller);
  await expect(seller.getByRole('heading', { level: 1 })).toHaveText('Editor de códigos de origen y saldos para la venta');
  const row = seller.getByRole('row').filter({ hasText: code });
  await expect(row).toContainText('ORO');
  await expect(row).toContainText('100');
  // Another row removed with "Eliminar"; more than available is refused at the row.
  await seller.getByRole('button', { name: 'Eliminar 5A1C9E07' }).click();
  await expect(seller.getByRole('row').filter({ hasText: '5A1C9E07' })).toHaveCount(0);
  await seller.getByLabel(`Venta ${code}`).fill('150');
  await seller.getByRole('button', { name: 'Subir datos' }).click();
  await expect(seller.getByText(/supera el disponible/)).toBeVisible();
  await seller.getByLabel(`Venta ${code}`).fill('10');
  await seller.getByRole('button', { name: 'Subir datos' }).click();
  const lines = seller.getByRole('table', { name: 'Registro de minerales y cantidades en la transacción' });
  await expect(lines.getByRole('row').filter({ hasText: code })).toContainText('ORO');
  // Typed key by key, as a person does: the totals follow every keystroke.
  await seller.getByLabel('Valor de la línea 1').pressSequentially('1.000.000');
  await expect(seller.locator('[data-valor="antes"]')).toHaveText('COP $ 1.000.000,00');
  await seller.getByRole('button', { name: '+' }).click();
  await seller.getByLabel('Valor del impuesto 1').pressSequentially('190.000');
  await expect(seller.locator('[data-valor="antes"]')).toHaveText('COP $ 1.000.000,00');
  await expect(seller.locator('[data-valor="incluidos"]')).toHaveText('COP $ 1.190.000,00');
  await seller.getByRole('button', { name: 'Enviar' }).click();
  await seller.getByRole('alertdialog').getByRole('button', { name: 'Confirmar' }).click();
  await expect(seller.getByRole('status')).toContainText('Sus datos fueron enviados a COMERCIALIZADORA ORO DEL CAUCA S.A.S');
  // The link served once.
  await seller.reload();
  await expect(seller.getByRole('alert')).toContainText('ya se enviaron');

  await resume(page);
  await expect(page.getByRole('table', { name: 'Registro de minerales y cantidades en la transacción' })).toContainText(code);
  await expect(page.locator('[data-valor="incluidos"]')).toHaveText('COP $ 1.190.000,00');
  await sendAndConfirm(page, mail);
  await expectBalance(page, code, '10,0000');

  await signIn(seller, mail, 'diluvio.admin', demoEmail('diluvio.admin'));
  await expectBalance(seller, code, '90,0000');
  await sellerContext.close();
});

test('compra por Web Service: el ERP del vendedor envía el detalle con el token del correo', async ({ page, browser, mail, request }) => {
  const code = await issueCode(browser, mail);
  await startPurchase(page, mail);
  const seen = await mail.seen();
  await handToSeller(page, 'Generar Cód. WS');

  const email = await mail.next(SELLER_CONTACT, seen);
  const endpoint = /Endpoint: (\S+)/.exec(email.text)![1];
  const transactionId = /Transaction_id: (\S+)/.exec(email.text)![1];
  const token = /Token temporal: ([0-9a-f]{64})/.exec(email.text)![1];
  expect(endpoint).toContain(`/api/ws/v1/transacciones/${transactionId}/detalle`);
  const path = new URL(endpoint).pathname;
  const body = {
    document_type: 'NIT',
    document_number: 9013049617,
    mining_file_code: 'T14292011-003',
    operator_transaction_id: 'ERP-FE-1001',
    ltax: [{ tax_type: 'iva', value: 190000 }],
    ltransaction_detail: [{ mineral: 'oro', origin_code: code, quantity: 10, unit: 'g', value: 1000000 }],
  };

  const wrongToken = await request.post(path, { headers: { Authorization: `Bearer ${'0'.repeat(64)}` }, data: body });
  expect(wrongToken.status()).toBe(401);
  expect((await wrongToken.json()).code).toBe('token_invalid');
  const malformed = await request.post(path, {
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    data: Buffer.from('{"ltransaction_detail": ['),
  });
  expect(malformed.status()).toBe(400);
  expect((await malformed.json()).code).toBe('json_malformed');

  const accepted = await request.post(path, { headers: { Authorization: `Bearer ${token}` }, data: body });
  expect(accepted.status()).toBe(200);
  expect((await accepted.json()).replayed).toBe(false);
  const repeated = await request.post(path, { headers: { Authorization: `Bearer ${token}` }, data: body });
  expect((await repeated.json()).replayed).toBe(true);

  await resume(page);
  await sendAndConfirm(page, mail);
  await expectBalance(page, code, '10,0000');
});

test('compra con el TXT del vendedor: el comprador carga el archivo de saldos con la cantidad', async ({ page, browser, mail }) => {
  const code = await issueCode(browser, mail);

  // The seller's balances email carries the TXT; the seller fills in CANTIDAD_VENTA and VALOR.
  const sellerContext = await browser.newContext();
  const seller = await sellerContext.newPage();
  const filled = await sellerTxt(seller, mail, code, '10');

  await startPurchase(page, mail);
  const picker = page.getByLabel('Cargar archivo (.TXT)');
  // A bad line is pointed at, and nothing is loaded.
  await picker.setInputFiles({ name: 'saldos.txt', mimeType: 'text/plain', buffer: Buffer.from(filled.replace('\t10\t', '\tdiez\t')) });
  await expect(page.getByText(/Línea \d+, CANTIDAD_VENTA/)).toBeVisible();
  await picker.setInputFiles({ name: 'saldos.txt', mimeType: 'text/plain', buffer: Buffer.from(filled) });
  const lines = page.getByRole('table', { name: 'Registro de minerales y cantidades en la transacción' });
  await expect(lines.getByRole('row').filter({ hasText: code })).toContainText('ORO');
  await expect(page.locator('.estado-compra [data-estado]')).toHaveText('En gestión por comprador');
  await page.getByRole('button', { name: '+' }).click();
  await page.getByLabel('Valor del impuesto 1').fill('190.000');
  await expect(page.locator('[data-valor="incluidos"]')).toHaveText('COP $ 1.190.000,00');

  // The seller's code states exactly the line the file brought, and the buyer sees the same.
  await sendAndConfirm(page, mail, { expectedLine: `${code} · ORO · 10,0000 g · COP $ 1.000.000,00` });
  await expectBalance(page, code, '10,0000');
  await expectBalance(seller, code, '90,0000');
  await sellerContext.close();
});

test('un NIT con dígito de verificación errado se señala en el campo y no se envía nada', async ({ page, mail }) => {
  await startPurchase(page, mail);
  await page.getByLabel('Número de documento').fill('901304961-8');
  const seen = await mail.seen();
  await page.getByRole('button', { name: 'Gestionar URL' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Confirmar' }).click();
  await expect(page.locator('#campo-seller-document_number-error')).toContainText('dígito de verificación');
  await expect(page.locator('.estado-compra [data-estado]')).toHaveCount(0);
  expect((await mail.all()).filter((e) => !seen.has(e.id) && e.to.some((r) => r.address === SELLER_CONTACT))).toHaveLength(0);
});

test('tras las compras, el auditor de la ANM verifica el libro: cadena y saldos íntegros', async ({ page, browser, mail }) => {
  // One more purchase through the Web Service, so that this test proves something even alone.
  const code = await issueCode(browser, mail);
  await startPurchase(page, mail);
  const seen = await mail.seen();
  await handToSeller(page, 'Generar Cód. WS');
  const email = await mail.next(SELLER_CONTACT, seen);
  const path = new URL(/Endpoint: (\S+)/.exec(email.text)![1]).pathname;
  const token = /Token temporal: ([0-9a-f]{64})/.exec(email.text)![1];
  const detail = await page.request.post(path, {
    headers: { Authorization: `Bearer ${token}` },
    data: {
      document_type: 'NIT',
      document_number: '901304961-7',
      mining_file_code: 'T14292011-003',
      ltransaction_detail: [{ mineral: 'ORO', origin_code: code, quantity: '2,5', unit: 'g', value: '250.000' }],
    },
  });
  expect(detail.status()).toBe(200);
  await resume(page);
  await sendAndConfirm(page, mail);

  const context = await browser.newContext();
  const auditor = await context.newPage();
  await signIn(auditor, mail, 'auditor.anm', demoEmail('auditor.anm'));
  await auditor.goto('/verificacion');
  await hydrated(auditor);
  // The sealer chains movements older than a second, every 150 ms.
  await expect
    .poll(async () => {
      await auditor.getByRole('button', { name: 'Verificar ahora' }).click();
      return auditor.getByText('El libro está íntegro').isVisible();
    }, { timeout: 20_000 })
    .toBe(true);
  await expect(auditor.getByText(/Cadena: \d+ de \d+ movimientos sellados, sin alteraciones\./)).toBeVisible();
  // Read from the read pool (a standby when there is one): the report says how recent it is.
  await expect(auditor.getByTestId('datos-a-las')).toHaveText(/^Datos a las \d\d:\d\d:\d\d\.$/);
  await context.close();
});

test('el historial lista cada compra con filtros y la exporta en CSV', async ({ page, mail }) => {
  await startPurchase(page, mail);
  await handToSeller(page, 'Gestionar URL');

  await page.getByRole('link', { name: 'Historial de compras' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Historial de compras' })).toBeVisible();
  // A date as another country writes it is pointed at, and nothing is searched.
  await page.getByLabel('Desde').fill('2025-01-31');
  await page.getByRole('button', { name: 'Buscar' }).click();
  await expect(page.locator('#campo-desde-error')).toContainText('DD/MM/AAAA');

  await page.getByLabel('Desde').fill(today());
  await page.getByLabel('Vendedor').fill('diluvio');
  await page.getByLabel('Estado').selectOption({ label: 'Pendiente por gestión del vendedor' });
  await page.getByRole('button', { name: 'Buscar' }).click();
  const rows = page.getByRole('row').filter({ hasText: 'MINERA EL DILUVIO GOLD S.A.S' });
  await expect(rows.first()).toContainText('Pendiente por gestión del vendedor');
  await expect(page.getByRole('row').filter({ hasText: 'Confirmada' })).toHaveCount(0);
  await expect(page.getByText(/compra\(s\) · página 1 de 1/)).toBeVisible();
  await expect(page.getByTestId('datos-a-las')).toHaveText(/^Datos a las \d\d:\d\d:\d\d\.$/);

  await page.getByRole('button', { name: 'Exportar CSV' }).click();
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Descargar historial-de-compras.csv' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('historial-de-compras.csv');
  const csv = readFileSync((await download.path())!, 'utf-8');
  const lines = csv.split('\r\n');
  expect(lines[0]).toBe('\ufeffFecha de registro;Vendedor;Documento del vendedor;Tipo de compra;Estado;Minerales;Código PTM;Fecha de confirmación');
  expect(lines.filter((line) => line.includes('MINERA EL DILUVIO GOLD S.A.S;901304961-7;Explotador minero autorizado;Pendiente por gestión del vendedor')).length)
    .toBeGreaterThan(0);
});
