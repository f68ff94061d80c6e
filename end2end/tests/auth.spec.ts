import {
  test,
  expect,
  hydrated,
  signIn,
  enterPassword,
  enterCode,
  codeIn,
  linkIn,
  lastSmsTo,
  demoEmail,
  registerTrader,
  unique,
  verifyEmail as verify,
  DEMO_PASSWORD,
} from './support';

test('registro → verificación → ingreso con el código del correo → salida', async ({ page, mail }) => {
  const seen = await mail.seen();
  const registration = await registerTrader(page, 'EMAIL');
  await verify(page, mail, registration.email, seen);

  await signIn(page, mail, registration.username, registration.email, registration.password);
  await expect(page.getByTestId('organizacion')).toHaveText(registration.razonSocial);

  await hydrated(page);
  await page.getByRole('button', { name: 'Salir', exact: true }).click();
  await expect(page).toHaveURL(/\/ingresar$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/ingresar$/);
});

test('el código también puede llegar por SMS', async ({ page, mail }) => {
  const seen = await mail.seen();
  const mobile = `31${Math.floor(Math.random() * 1e8).toString().padStart(8, '0')}`;
  const registration = await registerTrader(page, 'SMS', mobile);
  await verify(page, mail, registration.email, seen);
  await enterPassword(page, registration.username, registration.password);
  let sms: string | undefined;
  await expect.poll(async () => (sms = await lastSmsTo(page, `+57${mobile}`))).toContain('Veta: su codigo de ingreso es');
  await enterCode(page, codeIn(sms as string));
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('organizacion')).toHaveText(registration.razonSocial);
});

test('cinco códigos errados exigen un código nuevo', async ({ page, mail }) => {
  const email = demoEmail('diluvio.operador');
  let seen = await mail.seen();
  await enterPassword(page, 'diluvio.operador', DEMO_PASSWORD);
  await hydrated(page);
  const code = codeIn((await mail.next(email, seen)).text);
  const wrong = code === '11111111' ? '22222222' : '11111111';
  for (const left of [4, 3, 2, 1]) {
    await enterCode(page, wrong);
    await expect(page.getByRole('alert')).toHaveText(`Código incorrecto. Le quedan ${left} intento(s).`);
  }
  await enterCode(page, wrong);
  await expect(page.getByRole('alert')).toContainText('Superó los 5 intentos');
  await enterCode(page, code);
  await expect(page.getByRole('alert')).toContainText('Solicite un código nuevo');

  seen = await mail.seen();
  await page.getByRole('button', { name: 'Enviar un código nuevo' }).click();
  await expect(page.getByRole('status')).toHaveText('Le enviamos un código nuevo.');
  await enterCode(page, codeIn((await mail.next(email, seen)).text));
  await expect(page).toHaveURL(/\/$/);
});

test('recuperación de la contraseña por un enlace de un solo uso', async ({ page, mail }) => {
  const email = demoEmail('jose.renteria');
  const seen = await mail.seen();
  await page.goto('/ingresar');
  await hydrated(page);
  await page.getByRole('link', { name: 'Recupere aquí' }).click();
  // A lazy page: the sign-in form (same field label) stays until the page's chunk has loaded.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Recuperar usuario o contraseña');
  await page.getByLabel('Usuario / Correo electrónico').fill(email);
  await page.getByRole('button', { name: 'Enviar enlace' }).click();
  await expect(page.getByRole('status')).toContainText('Si existe una cuenta');

  const message = await mail.next(email, seen);
  expect(message.text).toContain('Su nombre de usuario es: jose.renteria');
  const link = linkIn(message, '/restablecer');
  await page.goto(link);
  await hydrated(page);
  await page.getByLabel('Contraseña nueva').fill('corta');
  await page.getByLabel('Confirme la contraseña').fill('corta');
  await page.getByRole('button', { name: 'Guardar contraseña' }).click();
  await expect(page.locator('#campo-password-error')).toContainText('al menos 10 caracteres');

  const newPassword = 'el oro del chocó 2026';
  await page.getByLabel('Contraseña nueva').fill(newPassword);
  await page.getByLabel('Confirme la contraseña').fill(newPassword);
  await page.getByRole('button', { name: 'Guardar contraseña' }).click();
  await expect(page.getByRole('status')).toContainText('Su contraseña quedó actualizada');

  // The link served once.
  await page.goto(link);
  await hydrated(page);
  await page.getByLabel('Contraseña nueva').fill('otra frase más larga');
  await page.getByLabel('Confirme la contraseña').fill('otra frase más larga');
  await page.getByRole('button', { name: 'Guardar contraseña' }).click();
  await expect(page.getByRole('alert')).toContainText('Este enlace ya se usó');
  await expect(page.getByRole('link', { name: 'Solicitar un enlace nuevo' })).toBeVisible();

  await signIn(page, mail, 'jose.renteria', email, newPassword);
});

test('un Operador no llega a la administración de usuarios', async ({ page, mail }) => {
  await signIn(page, mail, 'orocauca.operador', demoEmail('orocauca.operador'));
  const menu = page.getByRole('navigation', { name: 'Menú principal' });
  await expect(menu.getByRole('link', { name: 'Cierres' })).toBeVisible();
  await expect(menu.getByRole('link', { name: 'Usuarios' })).toHaveCount(0);
  const response = await page.goto('/usuarios');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('alert')).toHaveText('Su rol no le permite hacer esto.');
  await expect(page.getByRole('heading', { name: 'Invitar un usuario' })).toHaveCount(0);
});

test('un usuario Consulta no puede registrar compras', async ({ page, mail }) => {
  await signIn(page, mail, 'orocauca.consulta', demoEmail('orocauca.consulta'));
  await hydrated(page);
  await page.getByRole('button', { name: 'Compras' }).click();
  await page.getByRole('link', { name: 'Explotador Minero Autorizado' }).click();
  await expect(page.getByRole('alert')).toHaveText('Su rol (Consulta) solo permite consultar: no puede registrar compras.');
});

test('el administrador invita a un usuario que activa su cuenta', async ({ page, browser, mail }) => {
  await signIn(page, mail, 'diluvio.admin', demoEmail('diluvio.admin'));
  await page.getByRole('navigation', { name: 'Menú principal' }).getByRole('link', { name: 'Usuarios' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Usuarios de la organización');
  const id = unique();
  const email = `invitado.${id}@diluvio.co`;
  const seen = await mail.seen();
  await page.getByLabel('Nombres y apellidos').fill('Pedro Pérez');
  await page.getByLabel('Correo electrónico').fill(email);
  await page.getByLabel('Rol', { exact: true }).selectOption({ label: 'Operador' });
  await page.getByRole('button', { name: 'Enviar invitación' }).click();
  await expect(page.getByRole('status')).toHaveText(`Invitación enviada a ${email}.`);
  await expect(page.getByRole('cell', { name: email })).toBeVisible();

  const invited = await (await browser.newContext()).newPage();
  const message = await mail.next(email, seen);
  expect(message.text).toContain('LAURA GÓMEZ RESTREPO lo invitó a usar Veta en nombre de MINERA EL DILUVIO GOLD S.A.S con el rol Operador');
  await invited.goto(linkIn(message, '/invitacion'));
  await hydrated(invited);
  const password = `minas de la virginia ${id}`;
  await invited.getByLabel('Nombre de usuario').fill(`pedro.${id}`);
  await invited.getByLabel('Contraseña', { exact: true }).fill(password);
  await invited.getByLabel('Confirme la contraseña').fill(password);
  await invited.getByRole('button', { name: 'Activar cuenta' }).click();
  await expect(invited.getByRole('status')).toHaveText('Su cuenta quedó activa. Ya puede ingresar.');
  await signIn(invited, mail, `pedro.${id}`, email, password);
  await expect(invited.getByTestId('organizacion')).toHaveText('MINERA EL DILUVIO GOLD S.A.S');
});

test('cada campo errado muestra su mensaje junto al campo, sin enviar nada', async ({ page }) => {
  await page.goto('/registro');
  await hydrated(page);
  let requests = 0;
  page.on('request', (request) => {
    if (request.url().includes('/api/')) requests += 1;
  });
  await page.getByLabel('Tipo de participante').selectOption({ label: 'Explotador minero autorizado (titular minero)' });
  await page.getByLabel('Tipo de documento').selectOption('NIT');
  await page.getByLabel('Número de documento').fill('901304961-8');
  await page.getByLabel('Correo de contacto').fill('gerencia');
  await page.getByRole('button', { name: 'Registrar' }).click();
  await expect(page.locator('#campo-document_number-error')).toContainText('7');
  await expect(page.getByLabel('Número de documento')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#campo-contact_email-error')).toContainText('no es un correo electrónico válido');
  await expect(page.locator('#campo-codigos_expediente-error')).toContainText('al menos un código de expediente');
  await expect(page.locator('#campo-departamento-error')).toContainText('Seleccione el departamento');
  await expect(page.getByRole('alert').first()).toBeVisible();
  expect(requests).toBe(0);
});

test('un enlace alterado lo dice y ofrece pedir otro', async ({ page }) => {
  await page.goto(`/verificar-correo?token=${'0'.repeat(64)}`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Verificar mi correo' }).click();
  await expect(page.getByRole('alert')).toContainText('Este enlace de verificación no es válido');
  await expect(page.getByRole('button', { name: 'Reenviar verificación' })).toBeVisible();
});
