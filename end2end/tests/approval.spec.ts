import { test, expect, hydrated, signIn, demoEmail, lastSmsTo, registerTrader, verifyEmail } from './support';
import { expectBalance, handToSeller, issueCode, resume, sendAndConfirm, startPurchase, SELLER_CONTACT } from './purchase';

// A new trader is pending until the Administrador OTTM approves it: it proves its contact email
// and mobile with a code each, sends the SHA-256 of its RUT and RUCOM certificate (computed in the
// browser), asks for approval; once approved, it buys.

test.describe.configure({ timeout: 120_000 });

test('el Administrador OTTM aprueba un comercializador nuevo, que entonces compra', async ({ page, browser, mail }) => {
  const seen = await mail.seen();
  const registration = await registerTrader(page, 'EMAIL');
  await verifyEmail(page, mail, registration.email, seen);
  await signIn(page, mail, registration.username, registration.email, registration.password);
  await expect(page.getByTestId('aviso-aprobacion')).toContainText('pendiente de aprobación');

  await page.getByRole('link', { name: 'Ver «Mi organización»' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Mi organización');
  await hydrated(page);
  await expect(page.getByTestId('estado-aprobacion')).toContainText('Pendiente de aprobación');

  const beforeCode = await mail.seen();
  await page.getByRole('button', { name: 'Enviar código al correo' }).click();
  const emailCode = /Veta es: (\d{8})/.exec((await mail.next(registration.contactEmail, beforeCode)).text)![1];
  await page.getByLabel('Código del correo').fill(emailCode);
  await page.getByRole('button', { name: 'Verificar correo' }).click();
  await expect(page.getByRole('status')).toHaveText('Contacto verificado.');

  await page.getByRole('button', { name: 'Enviar código al celular' }).click();
  let sms: string | undefined;
  await expect
    .poll(async () => (sms = await lastSmsTo(page, registration.contactMobile)))
    .toContain('verificar este celular');
  await page.getByLabel('Código del celular').fill(/es (\d{8})/.exec(sms!)![1]);
  await page.getByRole('button', { name: 'Verificar celular' }).click();
  await expect(page.getByRole('status')).toHaveText('Contacto verificado.');

  for (const [label, content] of [['RUT', 'RUT de la comercializadora'], ['Certificado RUCOM', 'Certificado RUCOM vigente']]) {
    await page.getByLabel(label, { exact: true }).setInputFiles({
      name: `${label}.pdf`,
      mimeType: 'application/pdf',
      buffer: Buffer.from(content),
    });
    await expect(page.getByText(`Enviado: ${label}.pdf`)).toBeVisible();
  }
  await page.getByRole('button', { name: 'Solicitar aprobación' }).click();
  await expect(page.getByTestId('estado-aprobacion')).toContainText('en revisión del Administrador OTTM');

  // The Administrador OTTM reads its data and the evidence's SHA-256, and approves it.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, mail, 'admin.ottm', demoEmail('admin.ottm'));
  await admin.goto('/aprobaciones');
  await hydrated(admin);
  const card = admin.getByRole('article', { name: registration.razonSocial });
  await expect(card).toContainText('Certificado RUCOM');
  await expect(card).toContainText('(verificado)');
  const approvedMail = await mail.seen();
  await card.getByRole('button', { name: 'Aprobar' }).click();
  await expect(card).toHaveCount(0);
  expect((await mail.next(registration.contactEmail, approvedMail)).text).toContain('aprobó');
  await adminContext.close();

  // Approved: it buys 10 g of gold from the title holder, through the seller's Web Service.
  const code = await issueCode(browser, mail);
  await startPurchase(page, mail, { identifier: registration.username, email: registration.email, password: registration.password });
  await expect(page.getByTestId('aviso-aprobacion')).toHaveCount(0);
  const handed = await mail.seen();
  await handToSeller(page, 'Generar Cód. WS');
  const email = await mail.next(SELLER_CONTACT, handed);
  expect(email.text).toContain(registration.razonSocial);
  const path = new URL(/Endpoint: (\S+)/.exec(email.text)![1]).pathname;
  const token = /Token temporal: ([0-9a-f]{64})/.exec(email.text)![1];
  const detail = await page.request.post(path, {
    headers: { Authorization: `Bearer ${token}` },
    data: {
      document_type: 'NIT',
      document_number: '901304961-7',
      mining_file_code: 'T14292011-003',
      ltransaction_detail: [{ mineral: 'ORO', origin_code: code, quantity: 10, unit: 'g', value: 1000000 }],
    },
  });
  expect(detail.status()).toBe(200);
  await resume(page);
  await sendAndConfirm(page, mail, {
    expectedLine: `${code} · ORO · 10,0000 g · COP $ 1.000.000,00`,
    buyerContact: registration.contactEmail,
  });
  await expectBalance(page, code, '10,0000');
});
