import { test, expect, hydrated, signIn, demoEmail } from './support';

interface MaildevAttachment {
  fileName: string;
  generatedFileName: string;
}

test('un titular ve sus saldos y los recibe por correo con el TXT adjunto', async ({ page, mail }) => {
  await signIn(page, mail, 'diluvio.admin', demoEmail('diluvio.admin'));

  await page.getByRole('link', { name: 'Saldos', exact: true }).click();
  await expect(page).toHaveURL(/\/saldos$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Saldos' })).toBeVisible();
  const oro = page.getByRole('row').filter({ hasText: '4DEB01BC' });
  await expect(oro).toContainText('ORO');
  await expect(oro).toContainText('500,0000');
  await expect(oro).toContainText(/\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/);

  // The movements behind the balance.
  await oro.getByRole('link', { name: '4DEB01BC' }).click();
  await expect(page).toHaveURL(/\/saldos\/4DEB01BC$/);
  await expect(page.getByRole('row').filter({ hasText: 'Saldo inicial' })).toContainText('+500,0000 g');

  await page.goto('/reenviar-saldos');
  await hydrated(page);
  const seen = await mail.seen();
  await page.getByRole('button', { name: 'Reenviar saldos actualizados' }).click();
  const contact = 'gerencia.diluvio@demo.veta.com.co';
  await expect(page.getByRole('status')).toContainText(`Le enviamos sus saldos a ${contact}`);

  const email = await mail.next(contact, seen);
  expect(email.text).toContain('Sus saldos actualizados');
  expect(email.text).toContain('4DEB01BC · ORO · 500,0000 g');
  const attachments = (email as unknown as { attachments: MaildevAttachment[] }).attachments;
  expect(attachments).toHaveLength(1);
  expect(attachments[0].fileName).toMatch(/^saldos_901304961-7_\d{8}\.txt$/);

  const base = process.env.MAILDEV_URL ?? 'http://127.0.0.1:1080';
  const response = await fetch(`${base}/email/${email.id}/attachment/${attachments[0].generatedFileName}`);
  expect(response.status).toBe(200);
  const txt = (await response.text()).replace(/^\uFEFF/, '');
  const lines = txt.split('\r\n');
  expect(lines[0]).toBe('CODIGO_ORIGEN\tMINERAL\tDISPONIBLE\tUNIDAD\tFECHA\tCANTIDAD_VENTA\tVALOR');
  expect(lines).toContainEqual(expect.stringMatching(/^4DEB01BC\tORO\t500\tg\t\d{2}\/\d{2}\/\d{4}\t\t$/));
});
