import { test, expect, hydrated, signIn, demoEmail, codeIn, unique } from './support';
import { buyWithTxt, issueCode, sellerTxt, startPurchase } from './purchase';

// Reporte de producción (seed 003, Resolución 371 de 2024): the demo title holder's administrator
// generates a test token on its page (shown once), then its "system" does the service's three steps
// (login → PIN read from the mail catcher → token → cargue) and the batch appears, record by record,
// in «Historial de cargue». Then the holder declares a month's production on its page, sells more
// than that, and the ANM's auditor finds the alert with the figures.

const HOLDER = 'diluvio.admin';
const TITULO = 'T14292011-003';

function record(consecutivo: string, valor: string | number) {
  return {
    consecutivo,
    fecha_toma_medida: '01/01/2026 08:00:00',
    tipo_variable_id: 1,
    mineral_id: 'ORO',
    unidad_medida_id: 'g',
    valor_variable: valor,
    tipo_material_id: 'DORE',
    punto_control_nombre: 'Báscula fundición',
    punto_control_ubicacion: 'Planta de beneficio, salida de fundición',
    titulo: TITULO,
    variables_contexto: { turno: 'noche' },
  };
}

test('el titular genera su token de pruebas, su sistema envía un cargue y lo ve en el historial', async ({ page, mail, request }) => {
  await signIn(page, mail, HOLDER, demoEmail(HOLDER));
  await page.getByRole('link', { name: 'Reporte de producción' }).click();
  await expect(page).toHaveURL(/\/produccion\/tokens$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Reporte de producción: tokens' })).toBeVisible();
  await hydrated(page);

  // Generar token (pruebas): shown once, listed as active in «Historial de token».
  await page.getByRole('button', { name: 'Generar token de pruebas' }).click();
  const shown = page.getByRole('status').filter({ hasText: 'Token de Pruebas generado' });
  await expect(shown).toBeVisible();
  await expect(shown.locator('[data-token]')).toHaveText(/^[0-9a-f]{64}$/);
  const history = page.locator('table.tabla tbody tr').first();
  await expect(history).toContainText('Pruebas');
  await expect(history).toContainText('Activo');
  await expect(history).toContainText('nunca');

  // The three steps of the web service, as the holder's system does them.
  const seen = await mail.seen();
  const login = await request.post('/api/produccion/v1/login', {
    data: { usuario: HOLDER, correo: demoEmail(HOLDER) },
  });
  expect(login.status()).toBe(200);
  expect((await login.json()).mensaje).toContain('PIN');
  const message = await mail.next(demoEmail(HOLDER), seen);
  expect(message.subject).toContain('PIN del reporte de producción');
  const pin = codeIn(message.text);

  const authorization = await request.post('/api/produccion/v1/autorizacion', {
    data: { usuario: HOLDER, correo: demoEmail(HOLDER), pin, ambiente: 'PRUEBAS' },
  });
  expect(authorization.status()).toBe(201);
  const issued = await authorization.json();
  expect(issued.ambiente).toBe('PRUEBAS');
  const token: string = issued.token;

  const suffix = unique();
  const good = `E2E-${suffix}-1`;
  const bad = `E2E-${suffix}-2`;
  const cargue = await request.post('/api/produccion/v1/cargue', {
    headers: { Authorization: `Bearer ${token}` },
    data: { registros: [record(good, 1250.5), record(bad, '1.23456')] },
  });
  expect(cargue.status()).toBe(200);
  const answer = await cargue.json();
  expect(answer.ambiente).toBe('PRUEBAS');
  expect([answer.aceptados, answer.rechazados]).toEqual([1, 1]);
  expect(answer.resultados[0].estado).toBe('ACEPTADO');
  expect(answer.resultados[1].errores[0].code).toBe('decimal_scale');

  // The token generated on the page was disabled by the one of step 2 (one per environment).
  await page.reload();
  await hydrated(page);
  await expect(page.locator('table.tabla tbody tr').first()).toContainText('Activo');
  await expect(page.locator('table.tabla tbody tr').nth(1)).toContainText('Inhabilitado');

  // «Historial de cargue»: the batch, each record with its result.
  await page.getByRole('link', { name: 'Historial de cargue' }).click();
  await expect(page).toHaveURL(/\/produccion\/cargues$/);
  await hydrated(page);
  const batch = page.locator(`details.cargue[data-cargue="${answer.cargue_id}"]`);
  await expect(batch).toContainText('2 registro(s): 1 aceptado(s), 0 duplicado(s), 1 rechazado(s)');
  await batch.locator('summary').click();
  await expect(batch.locator('li[data-estado="ACEPTADO"]')).toContainText(good);
  const rejected = batch.locator('li[data-estado="RECHAZADO"]');
  await expect(rejected).toContainText(bad);
  await expect(rejected).toContainText('valor_variable: admite hasta 4 decimales; tiene 5.');
});

test('el titular declara su producción del mes, vende más que eso y el auditor ve la alerta', async ({ page, browser, mail }) => {
  test.setTimeout(150_000);
  const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Bogota', year: 'numeric', month: '2-digit' })
    .format(new Date());
  const holderContext = await browser.newContext();
  const holder = await holderContext.newPage();
  await signIn(holder, mail, HOLDER, demoEmail(HOLDER));
  await holder.getByRole('link', { name: 'Producción mensual' }).click();
  await expect(holder).toHaveURL(/\/produccion\/mensual$/);
  await expect(holder.getByRole('heading', { level: 1, name: 'Producción mensual' })).toBeVisible();
  await hydrated(holder);

  // A CSV line with four columns is refused at the file, with its row.
  await holder.getByLabel('Cargar CSV (opcional)').setInputFiles({
    name: 'produccion.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`titulo;mineral;mes;cantidad;unidad\n${TITULO};ORO;${month};5\n`),
  });
  await expect(holder.getByText('Fila 2 del archivo: tiene 4 columna(s)')).toBeVisible();
  // The corrected file fills the lines, which are declared (a second run finds them declared).
  await holder.getByLabel('Cargar CSV (opcional)').setInputFiles({
    name: 'produccion.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`titulo;mineral;mes;cantidad;unidad\n${TITULO};ORO;${month};5;g\n`),
  });
  await expect(holder.getByLabel('Cantidad de la línea 1')).toHaveValue('5');
  await holder.getByRole('button', { name: 'Declarar producción' }).click();
  await expect(holder.getByRole('status')).toContainText('Producción declarada');
  await expect(holder.getByTestId('produccion-declarada')).toContainText(month);
  await expect(holder.getByTestId('produccion-declarada')).toContainText('5,0000 g');
  // Declaring the same month with another quantity is refused at the field: what was declared stays.
  await holder.getByLabel('Título de la línea 1').selectOption(TITULO);
  await holder.getByLabel('Mineral de la línea 1').selectOption('ORO');
  await holder.getByLabel('Mes de la línea 1').fill(month);
  await holder.getByLabel('Cantidad de la línea 1').fill('7');
  await holder.getByRole('button', { name: 'Declarar producción' }).click();
  await expect(holder.getByText(/Línea 1, cantidad: ese título, mineral y mes ya se declaró con 5/)).toBeVisible();
  await holderContext.close();

  // A buyer takes 10 g from the holder's new origin code: more than the 5 g reported.
  const code = await issueCode(browser, mail);
  const sellerContext = await browser.newContext();
  const filled = await sellerTxt(await sellerContext.newPage(), mail, code, '10');
  await startPurchase(page, mail);
  await buyWithTxt(page, mail, filled);
  await sellerContext.close();

  const auditorContext = await browser.newContext();
  const auditor = await auditorContext.newPage();
  await signIn(auditor, mail, 'auditor.anm', demoEmail('auditor.anm'));
  await auditor.goto('/alertas');
  await hydrated(auditor);
  await auditor.getByLabel('Tipo').selectOption('VENTAS_SOBRE_PRODUCCION');
  const alert = auditor.getByTestId('alertas').getByRole('row').filter({ hasText: TITULO });
  await expect(alert).toContainText('Ventas de un título por encima de su producción reportada');
  await expect(alert).toContainText(/se vendieron [\d.,]+ g de ORO/);
  await expect(alert).toContainText('la producción reportada (ambiente de producción) es 5 g');
  await auditorContext.close();
});
