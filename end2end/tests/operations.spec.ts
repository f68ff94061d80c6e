import { test, expect, hydrated } from './support';
import {
  SELLER_CONTACT,
  BUYER_CONTACT,
  buyWithTxt,
  expectBalance,
  issueCode,
  nextWith,
  sellerTxt,
  startPurchase,
} from './purchase';

// The operations after a purchase, end to end: its reversal with the seller's code. Each journey
// buys from an origin code of its own, so that journeys running side by side never share a balance.

test.describe.configure({ timeout: 150_000 });

test('reversión de una compra: el vendedor aprueba con su código y el oro vuelve a su saldo', async ({ page, browser, mail }) => {
  const code = await issueCode(browser, mail);
  const sellerContext = await browser.newContext();
  const seller = await sellerContext.newPage();
  const filled = await sellerTxt(seller, mail, code, '10');
  await startPurchase(page, mail);
  const ptm = await buyWithTxt(page, mail, filled);
  await expectBalance(page, code, '10,0000');

  await page.goto('/reversion-compra');
  await hydrated(page);
  const card = page.getByTestId('reversion').filter({ hasText: ptm });
  await expect(card).toContainText(`1. ${code} · ORO · 10,0000 g`);
  // Without a reason, the browser says so next to the field and sends nothing.
  await card.getByRole('button', { name: 'Solicitar reversión' }).click();
  await expect(card.getByText(/Motivo: escriba por qué se revierte/)).toBeVisible();
  await card.getByLabel('Motivo').fill('El oro llegó con menor ley de la facturada.');
  const seen = await mail.seen();
  await card.getByRole('button', { name: 'Solicitar reversión' }).click();
  const email = await nextWith(mail, SELLER_CONTACT, seen, 'solicita revertir');
  expect(email.text).toContain(`revertir la compra ${ptm}`);
  expect(email.text).toContain(`1. ${code} · ORO · 10,0000 g`);
  const reversalCode = /este código de validación: (\d{8})/.exec(email.text)![1];
  await expect(card).toContainText('Reversión pendiente por confirmar');

  const balances = await mail.seen();
  await card.getByLabel('Código de validación de la reversión').fill(reversalCode);
  await card.getByRole('button', { name: 'Confirmar reversión' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'fue revertida' })).toContainText(ptm);
  await expect(card).toHaveCount(0);
  for (const to of [BUYER_CONTACT, SELLER_CONTACT]) {
    const message = await nextWith(mail, to, balances, `La compra ${ptm} fue revertida`);
    expect(message.text).toContain(code);
  }
  await expectBalance(seller, code, '100,0000');
  await sellerContext.close();
});
