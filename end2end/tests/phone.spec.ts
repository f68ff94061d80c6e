import type { Browser, Page } from '@playwright/test';
import { test, expect, hydrated, signIn, demoEmail, type Mailbox } from './support';

// Phones first: every page of the product fits a 360 px wide screen with no sideways scroll
// (tables scroll inside their own box). One visit per route, as each role sees it.

test.describe.configure({ timeout: 120_000 });

const PHONE = { width: 360, height: 740 };

const PUBLIC = ['/ingresar', '/ingresar/codigo', '/registro', '/verificar-correo', '/recuperar', '/restablecer',
  '/invitacion', '/venta/0000', '/venta/rechazar/0000', '/no-existe'];
const ORGANIZATION = ['/', '/usuarios', '/saldos', '/saldos/4DEB01BC', '/reenviar-saldos', '/mi-organizacion',
  '/compras/explotador-minero-autorizado', '/compras/comercializador', '/compras/minero-de-subsistencia',
  '/compras/sin-identificacion-de-origen', '/transacciones-en-curso', '/compras/historial', '/saldos-iniciales', '/reversion-compra',
  '/transformaciones', '/reversion-transformacion', '/cierres', '/trazabilidad/4DEB01BC',
  '/compras/detalle/00000000-0000-4000-8000-000000000000', '/integracion-erp', '/capacidad-economica',
  '/produccion/tokens', '/produccion/cargues', '/produccion/mensual'];
const PLATFORM = ['/', '/organizaciones', '/codigos-origen', '/verificacion', '/aprobaciones', '/alertas',
  '/mineros-de-subsistencia', '/saldos-iniciales', '/auditoria/compras-sin-origen', '/auditoria/cierres', '/auditoria/movimientos',
  '/auditoria/capacidad-economica', '/trazabilidad/4DEB01BC'];

async function widthOf(page: Page, path: string): Promise<number> {
  await page.goto(path);
  await hydrated(page);
  // Lazy pages render once their chunk arrived; the frame is there before.
  await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
  return page.evaluate(() => document.documentElement.scrollWidth);
}

async function phoneOf(browser: Browser, mail: Mailbox, user?: string): Promise<Page> {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  if (user) await signIn(page, mail, user, demoEmail(user));
  return page;
}

test('cada página cabe en un teléfono de 360 px sin desplazamiento lateral', async ({ browser, mail }) => {
  const visits: [string | undefined, string[]][] = [
    [undefined, PUBLIC],
    ['diluvio.admin', ORGANIZATION],
    ['admin.ottm', PLATFORM],
  ];
  const tooWide: string[] = [];
  for (const [user, paths] of visits) {
    const page = await phoneOf(browser, mail, user);
    for (const path of paths) {
      const width = await widthOf(page, path);
      if (width > PHONE.width) tooWide.push(`${path} (${user ?? 'sin sesión'}): ${width} px`);
    }
    await page.context().close();
  }
  expect(tooWide).toEqual([]);
});

test('las líneas que escribe el comprador caben en un teléfono', async ({ browser, mail }) => {
  const page = await phoneOf(browser, mail, 'orocauca.operador');
  for (const path of ['/compras/minero-de-subsistencia', '/compras/sin-identificacion-de-origen']) {
    await page.goto(path);
    await hydrated(page);
    await page.getByRole('button', { name: 'Agregar mineral' }).click();
    await page.getByRole('button', { name: 'Agregar mineral' }).click();
    await expect(page.getByLabel('Cantidad de la línea 2')).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(PHONE.width);
  }
  await page.context().close();
});
