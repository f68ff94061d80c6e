import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, hydrated, signIn, demoEmail } from './support';
import {
  SEGOVIA,
  SELLER_CONTACT,
  BUYER_CONTACT,
  buyWithTxt,
  expectBalance,
  issueCode,
  nextWith,
  sellerTxt,
  startPurchase,
  today,
} from './purchase';

// The operations after a purchase, end to end: its reversal with the seller's code, a planta's
// refining and the trail of its product, and a month's closing. Each journey buys from an origin
// code of its own, so that journeys running side by side never share a balance.

test.describe.configure({ timeout: 150_000 });

/** The demonstration plant's operator, who buys and refines. */
const SEGOVIA_OPERADOR = { identifier: 'segovia.operador', email: demoEmail('segovia.operador') };

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
  // The seller's balances list the code again; the buyer's no longer do (nothing of it is left).
  const sellerMessage = await nextWith(mail, SELLER_CONTACT, balances, `La compra ${ptm} fue revertida`);
  expect(sellerMessage.text).toContain(`${code} · ORO · 100,0000 g`);
  const buyerMessage = await nextWith(mail, BUYER_CONTACT, balances, `La compra ${ptm} fue revertida`);
  expect(buyerMessage.text).not.toContain(code);
  await expectBalance(seller, code, '100,0000');
  await sellerContext.close();
});

/** Transformaciones: `grams` g of `code` at ley 0,9 refined into 44 g of gold. Answers the new code. */
async function refine(page: Page, code: string, grams: string): Promise<string> {
  await page.goto('/transformaciones');
  await hydrated(page);
  await page.getByLabel('Fecha de la operación').fill(today());
  await page.getByLabel('Proceso').selectOption('REFINACION');
  await page.getByLabel('Soporte de la transformación (acta, certificado de ensayo)').setInputFiles({
    name: 'acta.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from(`Acta de refinación ${Math.random()}`),
  });
  await expect(page.getByLabel('Código SHA-256 del soporte')).toHaveValue(/^[0-9a-f]{64}$/);
  await page.getByLabel('Saldo del insumo 1').selectOption({ label: `${code} · ORO · ${grams},0000 g disponibles` });
  await page.getByLabel('Cantidad del insumo 1').fill(grams);
  await page.getByRole('button', { name: 'Agregar elemento al insumo 1' }).click();
  await page.getByLabel('Elemento 1 del insumo 1').selectOption('ORO');
  await page.getByLabel('Ley 1 del insumo 1').fill('0,9');
  await page.getByLabel('Mineral del producto 1').selectOption('ORO');
  await page.getByLabel('Unidad del producto 1').fill('g');
  // More fine gold out than in: refused in the browser, at the product.
  await page.getByLabel('Cantidad del producto 1').fill('46');
  await page.getByRole('button', { name: 'Registrar transformación' }).click();
  await expect(page.getByText(/supera/).first()).toBeVisible();
  await page.getByLabel('Cantidad del producto 1').fill('44');
  await page.getByRole('button', { name: 'Registrar transformación' }).click();
  const success = page.getByRole('status').filter({ hasText: 'Transformación registrada' });
  await expect(success).toContainText('· ORO · 44,0000 g');
  return /([0-9A-F]{8}) · ORO · 44,0000 g/.exec((await success.textContent())!)![1];
}

test('una planta compra doré, lo refina, vende el oro refinado y su trazabilidad llega al título minero', async ({ page, browser, mail }) => {
  test.setTimeout(240_000);
  const code = await issueCode(browser, mail);
  const sellerContext = await browser.newContext();
  const seller = await sellerContext.newPage();
  const filled = await sellerTxt(seller, mail, code, '50');
  await sellerContext.close();
  await startPurchase(page, mail, SEGOVIA_OPERADOR);
  await buyWithTxt(page, mail, filled, { buyerContact: SEGOVIA.contact });

  // Refined, then undone while the product is untouched: the doré is back under its code.
  const undone = await refine(page, code, '50');
  const card = page.getByTestId('transformacion').filter({ hasText: undone });
  await card.getByRole('link', { name: new RegExp(undone) }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(undone);
  await expect(page.locator('.trazabilidad-grafo svg')).toContainText('Refinación');
  await page.goto('/reversion-transformacion');
  await hydrated(page);
  const reversible = page.getByTestId('transformacion').filter({ hasText: undone });
  await reversible.getByRole('button', { name: 'Revertir transformación' }).click();
  await expect(reversible).toHaveCount(0);
  await expectBalance(page, code, '50,0000');

  // Refined again, and sold to COMERCIALIZADORA ORO DEL CAUCA from the plant's balances TXT.
  const refined = await refine(page, code, '50');
  const plantContext = await browser.newContext();
  const sold = await sellerTxt(await plantContext.newPage(), mail, refined, '44', { seller: SEGOVIA, held: '44' });
  await plantContext.close();
  const traderContext = await browser.newContext();
  const trader = await traderContext.newPage();
  await startPurchase(trader, mail, undefined, SEGOVIA);
  await buyWithTxt(trader, mail, sold, { seller: SEGOVIA });
  await expectBalance(trader, refined, '44,0000');

  // The buyer opens the trail of what it bought: back through the refining to the mining title.
  await trader.goto(`/trazabilidad/${refined}`);
  await expect(trader.getByRole('heading', { level: 1 })).toContainText(refined);
  const root = trader.getByTestId('codigo-trazado').filter({ hasText: code });
  await expect(root.getByTestId('origen')).toHaveText('Título minero T14292011-003 · MINERA EL DILUVIO GOLD S.A.S');
  const product = trader.locator(`[data-testid="codigo-trazado"][data-codigo="${refined}"]`);
  await expect(product).toContainText('PLANTA DE BENEFICIO SEGOVIA S.A.S → COMERCIALIZADORA ORO DEL CAUCA S.A.S · 44,0000');
  await expect(trader.locator('.trazabilidad-grafo svg')).toContainText('Refinación');
  await traderContext.close();
});

test('un mes se cierra y su informe se descarga en CSV y PDF', async ({ page, mail }) => {
  await signIn(page, mail, 'orocauca.admin', demoEmail('orocauca.admin'));
  await page.goto('/cierres');
  await hydrated(page);
  const close = page.getByRole('button', { name: /^Cerrar / });
  const month = (await close.textContent())!.replace('Cerrar ', '');
  await close.click();
  const row = page.getByTestId('cierres').getByRole('row').filter({ hasText: month });
  await expect(row).toContainText('(íntegra)');
  const report = page.getByTestId('informe-cierre');
  await expect(report.getByRole('heading')).toContainText(`Informe de ${month} (cerrado)`);
  const [csv] = await Promise.all([page.waitForEvent('download'), report.getByRole('link', { name: 'Descargar CSV' }).click()]);
  expect(readFileSync(await csv.path()).toString('utf8')).toContain('codigo_origen;mineral;unidad;saldo_inicial;entradas;salidas;saldo_final');
  await report.getByRole('button', { name: 'Preparar PDF' }).click();
  const [pdf] = await Promise.all([page.waitForEvent('download'), report.getByRole('link', { name: 'Descargar PDF' }).click()]);
  expect(readFileSync(await pdf.path()).subarray(0, 5).toString()).toBe('%PDF-');
});
