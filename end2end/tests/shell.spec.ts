import { test, expect, hydrated, signIn, demoEmail } from './support';

test.describe('el marco de la aplicación', () => {
  test.beforeEach(async ({ page, mail }) => {
    await signIn(page, mail, 'orocauca.admin', demoEmail('orocauca.admin'));
  });

  test('el panel izquierdo muestra las secciones de la guía', async ({ page }) => {
    await expect(page).toHaveTitle('Inicio · Veta');
    await expect(page.getByTestId('organizacion')).toHaveText('COMERCIALIZADORA ORO DEL CAUCA S.A.S');
    const menu = page.getByRole('navigation', { name: 'Menú principal' });
    for (const entry of [
      'Inicio',
      'Registro de saldos iniciales',
      'Reversión Compra',
      'Transformaciones',
      'Reversión de Transformación',
      'Cierres',
      'Usuarios',
      'Reenviar saldos actualizados',
    ]) {
      await expect(menu.getByRole('link', { name: entry, exact: true })).toBeVisible();
    }
    await expect(page.getByRole('link', { name: 'Transacciones en curso' }).first()).toBeVisible();
    await expect(page.getByRole('contentinfo')).toContainText('Operador Tecnológico de Trazabilidad de Minerales');
    await expect(page.getByRole('contentinfo')).toContainText('no es la Agencia Nacional de Minería');
  });

  test('el menú Compras se despliega en el navegador (la página está hidratada)', async ({ page }) => {
    await hydrated(page);
    const compras = page.getByRole('button', { name: 'Compras' });
    await expect(compras).toHaveAttribute('aria-expanded', 'false');
    const explotador = page.getByRole('link', { name: 'Explotador Minero Autorizado' });
    await expect(explotador).toBeHidden();

    await compras.click();
    await expect(compras).toHaveAttribute('aria-expanded', 'true');
    for (const kind of [
      'Registro de compra de minerales sin identificación de origen',
      'Minero de Subsistencia',
      'Explotador Minero Autorizado',
      'Comercializador',
    ]) {
      await expect(page.getByRole('link', { name: kind })).toBeVisible();
    }

    // Client-side navigation keeps the menu open: the purchase wizards and the operations after them.
    await explotador.click();
    await expect(page).toHaveURL(/\/compras\/explotador-minero-autorizado$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Explotador Minero Autorizado');
    await expect(page.getByRole('heading', { name: 'Datos del vendedor' })).toBeVisible();
    await page.getByRole('link', { name: 'Minero de Subsistencia' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Minero de Subsistencia');
    await expect(page.getByRole('heading', { name: 'Datos del vendedor' })).toBeVisible();
    await page.getByRole('link', { name: 'Reversión Compra', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Reversión Compra');
    await expect(page.getByText('Revierta una compra confirmada')).toBeVisible();
    await page.getByRole('link', { name: 'Transformaciones', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Transformaciones');
    await expect(page.getByRole('heading', { name: 'Insumos' })).toBeVisible();

    await compras.click();
    await expect(explotador).toBeHidden();
  });
});

test('una dirección desconocida responde 404 en español', async ({ page }) => {
  const response = await page.goto('/no-existe');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Página no encontrada');
});

test('en un teléfono el panel se abre con el botón Menú', async ({ browser, mail }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await signIn(page, mail, 'orocauca.operador', demoEmail('orocauca.operador'));
  await hydrated(page);
  const panel = page.getByRole('navigation', { name: 'Menú principal' });
  await expect(panel).toBeHidden();
  await page.getByRole('button', { name: 'Menú' }).tap();
  await expect(panel).toBeVisible();
  await panel.getByRole('link', { name: 'Cierres' }).tap();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Cierres');
  await expect(panel).toBeHidden();
  await context.close();
});

test('/healthz está en verde', async ({ request }) => {
  const response = await request.get('/healthz');
  expect(response.status()).toBe(200);
  const health = await response.json();
  expect(health.status).toBe('ok');
  expect(health.database.reachable).toBe(true);
  expect(health.database.migrations_applied).toBe(true);
  expect(health.version).toMatch(/^\d+\.\d+\.\d+$/);
});
