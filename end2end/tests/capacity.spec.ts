import { test, expect, hydrated, signIn, demoEmail } from './support';

// Capacidad económica (Resolución ANM 1216 de 2025): the demo comercializador's Administrador
// types its financial statements, sees an error at its field in the browser, then reads every
// indicator explained (formula, value, threshold) and the verdict.
test('el administrador del comercializador registra su capacidad económica y lee el resultado explicado', async ({ page, mail }) => {
  await signIn(page, mail, 'orocauca.admin', demoEmail('orocauca.admin'));
  await page.getByRole('link', { name: 'Capacidad económica' }).click();
  await expect(page).toHaveURL(/\/capacidad-economica$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Capacidad económica' })).toBeVisible();
  await hydrated(page);

  const year = String(new Date().getFullYear());
  await page.getByLabel('Año evaluado').fill(year);
  await page.getByLabel('Tipo de persona').selectOption('JURIDICA');
  await page.getByLabel('Régimen de IVA').selectOption('RESPONSABLE_IVA');
  await page.getByLabel('Activo corriente').fill('1.300.000.000');
  // A zero denominator: refused in the browser, at the field to correct.
  await page.getByLabel('Pasivo corriente').fill('0');
  await page.getByLabel('Ingresos operacionales').fill('5.000.000.000');
  await page.getByLabel('Pasivo total').fill('1.500.000.000');
  await page.getByLabel('Activo total').fill('3.000.000.000');
  await page.getByLabel(/Adjunto certificación bancaria/).check();
  await page.getByLabel('Monto proyectado de comercialización del año (pesos)').fill('2.000.000.000');
  await page.getByLabel('Soporte (estados financieros o certificado de ingresos)').setInputFiles({
    name: 'estados-financieros.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from(`Estados financieros ${Math.random()}`),
  });
  await expect(page.getByLabel('Código SHA-256 del soporte')).toHaveValue(/^[0-9a-f]{64}$/);
  await page.getByRole('button', { name: 'Evaluar y guardar' }).click();
  await expect(page.locator('#campo-pasivo_corriente-error')).toContainText('Pasivo corriente');
  await expect(page.locator('#campo-pasivo_corriente-error')).toContainText('denominador es cero');

  await page.getByLabel('Pasivo corriente').fill('1.000.000.000');
  await page.getByRole('button', { name: 'Evaluar y guardar' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Evaluación guardada' })).toBeVisible();

  const evaluation = page.getByTestId('evaluacion-capacidad').first();
  await expect(evaluation).toContainText(`Año ${year} · Cumple`);
  await expect(evaluation.getByTestId('resumen-capacidad')).toContainText('Indicadores financieros');
  const liquidity = evaluation.getByTestId('criterio-capacidad').filter({ hasText: 'Índice de liquidez' });
  await expect(liquidity).toContainText('Activo corriente / Pasivo corriente');
  await expect(liquidity).toContainText('1,3');
  await expect(liquidity).toContainText('≥ 1,24');
  await expect(liquidity).toContainText('Cumple');
  const debt = evaluation.getByTestId('criterio-capacidad').filter({ hasText: 'Índice de endeudamiento' });
  await expect(debt).toContainText('Pasivo total / Activo total');
  await expect(debt).toContainText('≤ 0,61');
  // The alternatives of art. 3 are explained even when not used.
  await expect(evaluation.getByTestId('criterio-capacidad').filter({ hasText: 'Calificación de riesgos' })).toContainText('igual o superior a B');
});
