<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="ru_RU">
    <context>
        <name>crmdesk</name>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="163" />
            <source>Организация: {0}</source>
            <translation>Organization: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="167" />
            <source>нет (счета печатаются без них)</source>
            <translation>none (invoices print without them)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="176" />
            <location filename="../../crmdesk/ui/forms/design.py" line="107" />
            <source>Картинки (*.png *.jpg *.jpeg)</source>
            <translation>Images (*.png *.jpg *.jpeg)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="234" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="273" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="112" />
            <source>Настройки</source>
            <translation>Settings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="303" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="354" />
            <source>Добавить файл</source>
            <translation>Add file</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/design.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="25" />
            <location filename="../../crmdesk/ui/forms/design.py" line="107" />
            <source>Логотип</source>
            <translation>Logo</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="26" />
            <source>Печать организации</source>
            <translation>Company stamp</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="27" />
            <source>Подпись руководителя</source>
            <translation>Director's signature</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="28" />
            <source>Подпись главного бухгалтера</source>
            <translation>Chief accountant's signature</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/money.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="31" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="16" />
            <source>НДС в сумме</source>
            <translation>VAT included</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/money.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="31" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="16" />
            <source>НДС сверху</source>
            <translation>VAT on top</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/money.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="31" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="16" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="327" />
            <source>Без НДС</source>
            <translation>No VAT</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="36" />
            <source>Пользователь (создание)</source>
            <translation>User (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="78" />
            <source>Роль (создание)</source>
            <translation>Role (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="104" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="12" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="111" />
            <source>Организация</source>
            <translation>Organization</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="203" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="241" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="283" />
            <source>Регион телефонов по умолчанию</source>
            <translation>Default phone region</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="204" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="242" />
            <source>Срок оплаты счёта, дней</source>
            <translation>Invoice payment term, days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="205" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="243" />
            <source>Папка резервных копий</source>
            <translation>Backup folder</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="206" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="244" />
            <source>Копировать автоматически раз в день</source>
            <translation>Back up automatically once a day</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="207" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="245" />
            <source>Хранить ежедневных копий</source>
            <translation>Daily backups to keep</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="208" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="246" />
            <source>Хранить еженедельных копий</source>
            <translation>Weekly backups to keep</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="209" />
            <source>Язык интерфейса</source>
            <translation>Interface language</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="40" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="229" />
            <source>ФИО</source>
            <translation>Full name</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="41" />
            <source>Имя входа</source>
            <translation>Login</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="42" />
            <source>Роль</source>
            <translation>Role</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="43" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="231" />
            <source>Должность</source>
            <translation>Position</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="44" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="114" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="57" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="233" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="36" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="227" />
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="333" />
            <source>Телефон</source>
            <translation>Phone</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="46" />
            <source>Активен</source>
            <translation>Active</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="47" />
            <source>Новый пароль</source>
            <translation>New password</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="81" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="108" />
            <location filename="../../crmdesk/ui/forms/catalog.py" line="21" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="47" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="260" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="34" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="68" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="197" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="226" />
            <location filename="../../crmdesk/ui/forms/templates.py" line="40" />
            <source>Наименование</source>
            <translation>Name</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="109" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="49" />
            <source>Полное наименование</source>
            <translation>Full name</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="110" />
            <location filename="../../crmdesk/ui/forms/bank.py" line="40" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="50" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="226" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="282" />
            <source>ИНН</source>
            <translation>INN (Tax ID)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="111" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="51" />
            <source>КПП</source>
            <translation>KPP</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="112" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="52" />
            <source>ОГРН</source>
            <translation>OGRN</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="113" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="65" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="37" />
            <location filename="../../crmdesk/ui/forms/mailings.py" line="117" />
            <source>Адрес</source>
            <translation>Address</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="116" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="66" />
            <source>Банк</source>
            <translation>Bank</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="117" />
            <source>Город банка</source>
            <translation>Bank city</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="118" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="67" />
            <source>БИК</source>
            <translation>BIC</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="119" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="69" />
            <source>Корр. счёт</source>
            <translation>Correspondent account</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="120" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="68" />
            <source>Расчётный счёт</source>
            <translation>Bank account</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="121" />
            <source>Руководитель</source>
            <translation>Director</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="122" />
            <source>Главный бухгалтер</source>
            <translation>Chief accountant</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="123" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="33" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="40" />
            <source>НДС</source>
            <translation>VAT</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="124" />
            <location filename="../../crmdesk/ui/forms/catalog.py" line="27" />
            <source>Ставка НДС</source>
            <translation>VAT rate</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="125" />
            <source>Условия оплаты</source>
            <translation>Payment terms</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="126" />
            <source>Картинки на счетах</source>
            <translation>Pictures on invoices</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="143" />
            <source>Логотип…</source>
            <translation>Logo…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="144" />
            <source>Печать…</source>
            <translation>Stamp…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="145" />
            <source>Подпись руководителя…</source>
            <translation>Director's signature…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="147" />
            <source>Подпись главного бухгалтера…</source>
            <translation>Chief accountant's signature…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="149" />
            <source>Убрать картинки</source>
            <translation>Remove pictures</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="238" />
            <source>Разрешить вход без пароля</source>
            <translation>Allow signing in without a password</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="247" />
            <source>Язык интерфейса (со следующего запуска)</source>
            <translation>Interface language (from the next start)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="47" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="181" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="192" />
            <source>пусто — не менять</source>
            <translation>empty — keep the current one</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="239" />
            <source>пользователи без пароля входят с пустым паролем (офис на одного, демо-база)</source>
            <translation>users without a password sign in with an empty one (a one-person office, the demo database)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="243" />
            <source>пусто: рядом с файлом базы</source>
            <translation>empty: next to the database file</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="291" />
            <source>должно быть не меньше 1</source>
            <translation>must be at least 1</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="51" />
            <source>Загрузка выписки из банка</source>
            <translation>Bank statement import</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="62" />
            <source>Выберите файл выписки: «Открыть выписку…» (Ctrl+O). Банк выгружает его в формате 1С (kl_to_1c.txt).</source>
            <translation>Choose the statement file: “Open statement…” (Ctrl+O). The bank exports it in the 1C format (kl_to_1c.txt).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="89" />
            <source>Применить к строке</source>
            <translation>Apply to the line</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="92" />
            <source>Клиент:</source>
            <translation>Client:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="94" />
            <source>Счёт:</source>
            <translation>Invoice:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="133" />
            <source>Выписка из банка</source>
            <translation>Bank statement</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="182" />
            <source>Файл «{0}», счёт {1}. Строк: {2} ({3}). К загрузке: {4} на сумму {5}.</source>
            <translation>File “{0}”, account {1}. Lines: {2} ({3}). To load: {4} for {5}.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/bank.py" line="217" />
            <source>Назначение платежа</source>
            <translation>Purpose of payment</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="232" />
            <source>по открытым счетам, начиная со старого</source>
            <translation>open invoices, oldest first</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="238" />
            <source>долг</source>
            <translation>owed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="250" />
            <source>Строка {0}: поле «Клиент» не заполнено — выберите клиента или создайте его по реквизитам.</source>
            <translation>Line {0}: the “Client” field is empty — choose a client or create one from the requisites.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="297" />
            <source>Загружено платежей: {0} на сумму {1}; пропущено: {2}; уже были загружены: {3}.</source>
            <translation>Payments loaded: {0} for {1}; skipped: {2}; loaded before: {3}.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="300" />
            <source>Документы: {0}</source>
            <translation>Documents: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="304" />
            <source>Загрузка выписки</source>
            <translation>Statement import</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="36" />
            <source>Выписка 1С:Клиент-банк (*.txt);;Все файлы (*)</source>
            <translation>1C client-bank statement (*.txt);;All files (*)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/gross_profit.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/bank.py" line="40" />
            <location filename="../../crmdesk/ui/forms/contracts.py" line="32" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="29" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="194" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="65" />
            <source>Дата</source>
            <translation>Date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="40" />
            <source>№ п/п</source>
            <translation>Doc. no.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/bank.py" line="40" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="68" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="196" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="39" />
            <source>Сумма</source>
            <translation>Amount</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/bank.py" line="40" />
            <source>Плательщик</source>
            <translation>Payer</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/bank.py" line="40" />
            <location filename="../../crmdesk/ui/forms/mailings.py" line="117" />
            <source>Результат</source>
            <translation>Result</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/gross_profit.py" />
            <location filename="../../crmdesk/reports/receivables.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/setup.py" />
            <location filename="../../crmdesk/ui/forms/bank.py" line="41" />
            <location filename="../../crmdesk/ui/forms/bank.py" line="85" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="47" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="230" />
            <location filename="../../crmdesk/ui/forms/contracts.py" line="33" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="64" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="30" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="136" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="152" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="195" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="27" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="98" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="68" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="282" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="409" />
            <location filename="../../crmdesk/ui/shell/reminders.py" line="30" />
            <location filename="../../crmdesk/ui/shell/special.py" line="106" />
            <source>Клиент</source>
            <translation>Client</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="41" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="95" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="42" />
            <source>Счета</source>
            <translation>Invoices</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="41" />
            <source>Почему так</source>
            <translation>Why</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="55" />
            <source>Открыть выписку…</source>
            <translation>Open statement…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="57" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="209" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="334" />
            <source>Загрузить</source>
            <translation>Import</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="58" />
            <source>Создать клиента по реквизитам</source>
            <translation>Create client from requisites</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="60" />
            <source>Не загружать / загружать</source>
            <translation>Skip / load</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/board.py" line="62" />
            <location filename="../../crmdesk/ui/forms/monitor.py" line="71" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="50" />
            <source>Воронка сделок</source>
            <translation>Sales pipeline</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/board.py" line="91" />
            <source>Все менеджеры</source>
            <translation>All managers</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/board.py" line="92" />
            <source>Только мои</source>
            <translation>Only mine</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/board.py" line="97" />
            <source>Все источники</source>
            <translation>All sources</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/board.py" line="99" />
            <source>Поиск: сделка или клиент</source>
            <translation>Search: deal or client</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/board.py" line="160" />
            <source>Новая сделка на этапе «{0}»</source>
            <translation>New deal at the stage «{0}»</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/board.py" line="37" />
            <source>За всё время</source>
            <translation>All time</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/board.py" line="37" />
            <location filename="../../crmdesk/ui/forms/reports.py" line="46" />
            <source>Этот месяц</source>
            <translation>This month</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/board.py" line="37" />
            <location filename="../../crmdesk/ui/forms/reports.py" line="47" />
            <source>Этот квартал</source>
            <translation>This quarter</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/board.py" line="38" />
            <location filename="../../crmdesk/ui/forms/reports.py" line="48" />
            <source>Этот год</source>
            <translation>This year</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/board.py" line="38" />
            <source>Последние 30 дней</source>
            <translation>Last 30 days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/board.py" line="116" />
            <source>Процесс:</source>
            <translation>Process:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/board_cards.py" line="69" />
            <source>{0} дн. на этапе</source>
            <translation>{0} days in the stage</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/board_cards.py" line="84" />
            <source>нет задачи</source>
            <translation>no task</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="44" />
            <location filename="../../crmdesk/ui/forms/calls.py" line="94" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="249" />
            <source>Позвонить</source>
            <translation>Call</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="44" />
            <source>Номер телефона:</source>
            <translation>Phone number:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="118" />
            <location filename="../../crmdesk/ui/forms/calls.py" line="139" />
            <location filename="../../crmdesk/ui/forms/calls.py" line="161" />
            <source>Телефония (АТС)</source>
            <translation>Telephony (PBX)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="176" />
            <source>Внутренний номер</source>
            <translation>Extension</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="177" />
            <source>Внутренний номер пользователя {0} (пусто — нет):</source>
            <translation>Extension of user {0} (empty: none):</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="184" />
            <source>Внутренний номер {0}: {1}</source>
            <translation>Extension of {0}: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="74" />
            <source>Перезвонить</source>
            <translation>Call back</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="75" />
            <source>Перезвонили</source>
            <translation>Called back</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="120" />
            <source>Адрес АТС</source>
            <translation>PBX address</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="121" />
            <source>Порт AMI</source>
            <translation>AMI port</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="122" />
            <source>Пользователь AMI</source>
            <translation>AMI user</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="123" />
            <source>Пароль AMI</source>
            <translation>AMI password</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="124" />
            <source>Канал внутреннего номера</source>
            <translation>Extension channel</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="125" />
            <source>Контекст исходящих</source>
            <translation>Outgoing context</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="123" />
            <source>пусто: оставить прежний</source>
            <translation>empty: keep the current one</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="124" />
            <source>PJSIP/{ext} или SIP/{ext}</source>
            <translation>PJSIP/{ext} or SIP/{ext}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="195" />
            <source>Внутренний номер…</source>
            <translation>Extension…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/calls.py" line="85" />
            <source>Звонки</source>
            <translation>Calls</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/calls.py" line="86" />
            <source>Пропущенные звонки</source>
            <translation>Missed calls</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/catalog.py" line="11" />
            <source>Товар</source>
            <translation>Product</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/catalog.py" line="11" />
            <source>Услуга</source>
            <translation>Service</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/catalog.py" line="17" />
            <source>Номенклатура (создание)</source>
            <translation>Product or service (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/catalog.py" line="54" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="299" />
            <source> (копия)</source>
            <translation> (copy)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/catalog.py" line="22" />
            <source>Артикул</source>
            <translation>SKU</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/catalog.py" line="23" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="48" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="60" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="95" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="96" />
            <source>Вид</source>
            <translation>Type</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/catalog.py" line="24" />
            <source>Ед. изм.</source>
            <translation>Unit</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/catalog.py" line="25" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="36" />
            <source>Цена</source>
            <translation>Price</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/gross_profit.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/catalog.py" line="26" />
            <source>Себестоимость</source>
            <translation>Cost</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/catalog.py" line="28" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="33" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="80" />
            <source>Описание</source>
            <translation>Description</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/catalog.py" line="41" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="165" />
            <source>шт</source>
            <translation>pcs</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="12" />
            <source>Частное лицо</source>
            <translation>Individual</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="42" />
            <source>Клиент (создание)</source>
            <translation>Client (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="225" />
            <source>Контактное лицо (создание)</source>
            <translation>Contact person (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="258" />
            <source>Группа клиентов (создание)</source>
            <translation>Client group (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="15" />
            <source>Согласие на рассылку e-mail</source>
            <translation>Consent to e-mail mailings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="16" />
            <source>Согласие на рассылку SMS</source>
            <translation>Consent to SMS mailings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="17" />
            <source>Отказ от рассылок</source>
            <translation>Opted out of mailings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="18" />
            <source>Дата отказа</source>
            <translation>Opt-out date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="17" />
            <source>согласия снимаются, дата запоминается</source>
            <translation>consents are withdrawn, the date is kept</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="55" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="233" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="282" />
            <source>Телефоны</source>
            <translation>Phones</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="60" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="234" />
            <source>Эл. почта</source>
            <translation>E-mail</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="61" />
            <source>Группы</source>
            <translation>Groups</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/reports/gross_profit.py" />
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/rights.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="62" />
            <location filename="../../crmdesk/ui/forms/contracts.py" line="39" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="67" />
            <location filename="../../crmdesk/ui/forms/reports.py" line="108" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="55" />
            <source>Менеджер</source>
            <translation>Manager</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="63" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="66" />
            <source>Статус</source>
            <translation>Status</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="64" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="73" />
            <source>Источник</source>
            <translation>Source</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="70" />
            <source>Интересующие товары</source>
            <translation>Products of interest</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="71" />
            <source>Предпочтения</source>
            <translation>Preferences</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="72" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="235" />
            <location filename="../../crmdesk/ui/forms/contracts.py" line="41" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="35" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="200" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="39" />
            <source>Комментарий</source>
            <translation>Comment</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="90" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="38" />
            <source>Контактные лица</source>
            <translation>Contact persons</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="91" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="45" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="28" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="39" />
            <source>Взаимодействия</source>
            <translation>Interactions</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="92" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="65" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="51" />
            <source>Сделки</source>
            <translation>Deals</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="93" />
            <source>Предложения</source>
            <translation>Proposals</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="94" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="41" />
            <source>Заказы</source>
            <translation>Orders</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="96" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="43" />
            <source>Оплаты</source>
            <translation>Payments</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="97" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="60" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="77" />
            <source>Договоры</source>
            <translation>Contracts</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="98" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="44" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="26" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="41" />
            <source>Задачи</source>
            <translation>Tasks</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="101" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="40" />
            <source>Записать звонок</source>
            <translation>Record a call</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="102" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="50" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="25" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="33" />
            <location filename="../../crmdesk/ui/shell/reminders.py" line="30" />
            <source>Задача</source>
            <translation>Task</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/documents.py" />
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="103" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="51" />
            <source>Коммерческое предложение</source>
            <translation>Commercial proposal</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="232" />
            <source>День рождения</source>
            <translation>Birthday</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="58" />
            <source>по одному в строке, в любом виде: 8 912 345-67-89 доб. 12</source>
            <translation>one per line, in any form: 8 912 345-67-89 ext. 12</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="60" />
            <source>по одному в строке</source>
            <translation>one per line</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="61" />
            <source>через запятую: Новые, Оптовые</source>
            <translation>comma-separated: New, Wholesale</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="319" />
            <source>Загрузить из файла…</source>
            <translation>Import from file…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="320" />
            <source>Выгрузить клиентов…</source>
            <translation>Export clients…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="321" />
            <source>Объединить…</source>
            <translation>Merge…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/contracts.py" line="40" />
            <location filename="../../crmdesk/ui/forms/contracts.py" line="79" />
            <source>Файл договора</source>
            <translation>Contract file</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/contracts.py" line="28" />
            <source>Договор (создание)</source>
            <translation>Contract (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/contracts.py" line="31" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="28" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="193" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="59" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="64" />
            <source>Номер</source>
            <translation>Number</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/contracts.py" line="34" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="63" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="28" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="100" />
            <source>Сделка</source>
            <translation>Deal</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/contracts.py" line="35" />
            <source>Предмет договора</source>
            <translation>Subject of contract</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/contracts.py" line="36" />
            <source>Начало действия</source>
            <translation>Valid from</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/contracts.py" line="37" />
            <source>Окончание действия</source>
            <translation>Valid until</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/contracts.py" line="38" />
            <source>Сумма договора</source>
            <translation>Contract amount</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/contracts.py" line="53" />
            <source>Приложить файл договора…</source>
            <translation>Attach contract file…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/contracts.py" line="54" />
            <source>Открыть файл договора</source>
            <translation>Open contract file</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/contracts.py" line="80" />
            <source>PDF, Word, сканы (*.pdf *.doc *.docx *.jpg *.png *.tif);;Все файлы (*)</source>
            <translation>PDF, Word, scans (*.pdf *.doc *.docx *.jpg *.png *.tif);;All files (*)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="118" />
            <source>Правил на это событие нет</source>
            <translation>No rules for this event</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="168" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="32" />
            <location filename="../../crmdesk/ui/forms/templates.py" line="100" />
            <source>Отказ</source>
            <translation>Refusal</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="178" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="103" />
            <source>Причина отказа:</source>
            <translation>Reason for refusal:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="200" />
            <source>С этого этапа переходов нет</source>
            <translation>There are no transitions from this stage</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="203" />
            <source>Перевести на этап</source>
            <translation>Move to stage</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="203" />
            <source>Этап:</source>
            <translation>Stage:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="27" />
            <source>Сделка (создание)</source>
            <translation>Deal (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="40" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="56" />
            <source>Коммерческие предложения</source>
            <translation>Commercial proposals</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="48" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="226" />
            <source>Перевести на этап…</source>
            <translation>Move to stage…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="49" />
            <source>Записать взаимодействие</source>
            <translation>Record an interaction</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/documents.py" />
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="52" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="169" />
            <source>Заказ клиента</source>
            <translation>Customer order</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/documents.py" />
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="53" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="169" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="177" />
            <source>Счёт на оплату</source>
            <translation>Invoice</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="54" />
            <source>Документы получены</source>
            <translation>Documents received</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="65" />
            <source>Процесс</source>
            <translation>Process</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="66" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="32" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="33" />
            <source>Этап</source>
            <translation>Stage</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="69" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="70" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="32" />
            <source>Вероятность, %</source>
            <translation>Probability, %</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="71" />
            <source>Закрытие (ожид.)</source>
            <translation>Closing (expected)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="74" />
            <source>Окончание договора</source>
            <translation>Contract end</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="75" />
            <source>Причина отказа</source>
            <translation>Reason for refusal</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="68" />
            <source>пусто — по документам сделки</source>
            <translation>empty — from the deal's documents</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="69" />
            <source>пусто — по этапу</source>
            <translation>empty — by the stage</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="72" />
            <source>Ожидаемая дата закрытия</source>
            <translation>Expected close date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="27" />
            <location filename="../../crmdesk/ui/forms/design.py" line="68" />
            <source>Оформление коммерческого предложения</source>
            <translation>Commercial proposal design</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="72" />
            <source>свой логотип, {0} КБ</source>
            <translation>own logo, {0} KB</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="73" />
            <source>логотип организации (из её реквизитов)</source>
            <translation>the organization's logo (from its details)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="98" />
            <source>Образец предложения</source>
            <translation>Sample proposal</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="50" />
            <source>Предварительный просмотр</source>
            <translation>Preview</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="52" />
            <source>Загрузить логотип…</source>
            <translation>Load logo…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="53" />
            <source>Убрать логотип</source>
            <translation>Remove logo</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="54" />
            <source>Вернуть исходное оформление</source>
            <translation>Restore the default design</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="38" />
            <source>пусто: название, телефон и e-mail организации</source>
            <translation>empty: the organization's name, phone and e-mail</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="126" />
            <source>{0} {1} от {2}</source>
            <translation>{0} {1} dated {2}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="128" />
            <source> (проведён)</source>
            <translation> (posted)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="130" />
            <source> (помечен на удаление)</source>
            <translation> (marked for deletion)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="17" />
            <source>Безналичные</source>
            <translation>Bank transfer</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="17" />
            <source>Наличные</source>
            <translation>Cash</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="21" />
            <source>Договор</source>
            <translation>Contract</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="167" />
            <source>Коммерческое предложение (создание)</source>
            <translation>Commercial proposal (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="174" />
            <source>Заказ клиента (создание)</source>
            <translation>Customer order (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="182" />
            <source>Счёт на оплату (создание)</source>
            <translation>Invoice (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="190" />
            <source>Поступление оплаты (создание)</source>
            <translation>Payment (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="168" />
            <source>Действует до</source>
            <translation>Valid until</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="175" />
            <source>Оплата по плану</source>
            <translation>Planned payment date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="183" />
            <source>Оплатить до</source>
            <translation>Due date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="34" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="199" />
            <source>Основание</source>
            <translation>Based on</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/documents.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="185" />
            <source>Поступление оплаты</source>
            <translation>Payment</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="197" />
            <source>Способ оплаты</source>
            <translation>Payment method</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="111" />
            <source>Вид документа</source>
            <translation>Document type</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="136" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="68" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="236" />
            <source>не заполнено</source>
            <translation>is empty</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="31" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="29" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="78" />
            <location filename="../../crmdesk/ui/shell/reminders.py" line="30" />
            <source>Срок</source>
            <translation>Deadline</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="152" />
            <source>у записанного документа клиента не меняют: создайте новый документ</source>
            <translation>the client of a saved document cannot be changed: create a new document</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="227" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="206" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="32" />
            <source>Провести</source>
            <translation>Post</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="228" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="207" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="33" />
            <source>Отмена проведения</source>
            <translation>Unpost</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="120" />
            <source>Показание</source>
            <translation>Reading</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="121" />
            <source>Показание на сегодня ({0}):</source>
            <translation>Reading for today ({0}):</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="128" />
            <source>Показание записано</source>
            <translation>Reading written</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="158" />
            <source>Разослать жителям</source>
            <translation>Send to residents</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="158" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="70" />
            <location filename="../../crmdesk/ui/forms/mailings.py" line="96" />
            <source>Шаблон:</source>
            <translation>Template:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="205" />
            <source>Загрузка показаний счётчиков</source>
            <translation>Loading meter readings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="208" />
            <source>Выбрать файл…</source>
            <translation>Choose a file…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="210" />
            <source>Сохранить отчёт…</source>
            <translation>Save the report…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="214" />
            <source>Файл XLSX или CSV, первая строка — заголовок: «Заводской номер», «Показание», «Дата», «Вид счётчика».</source>
            <translation>An XLSX or CSV file, the first row a header: «Заводской номер», «Показание», «Дата», «Вид счётчика».</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="228" />
            <source>Показания счётчиков</source>
            <translation>Meter readings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="238" />
            <source>Проверка файла {0} (ничего не записано)</source>
            <translation>Checking file {0} (nothing written)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="247" />
            <source>Загружено из файла {0}</source>
            <translation>Loaded from file {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="251" />
            <source>Загружается: {0}, из них проверить {1}; отклонено: {2}.</source>
            <translation>To load: {0}, of them to check {1}; rejected: {2}.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="259" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="405" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="427" />
            <source>Отчёт о загрузке</source>
            <translation>Import report</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="35" />
            <source>Дом (создание)</source>
            <translation>Building (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="55" />
            <source>Помещение (создание)</source>
            <translation>Premises (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="91" />
            <source>Счётчик (создание)</source>
            <translation>Meter (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="135" />
            <source>Отключение (создание)</source>
            <translation>Outage (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="37" />
            <source>Примечание</source>
            <translation>Note</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="39" />
            <source>Помещения</source>
            <translation>Premises</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="58" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="141" />
            <source>Дом</source>
            <translation>Building</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="61" />
            <source>Площадь, м²</source>
            <translation>Area, m²</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="62" />
            <source>Жители</source>
            <translation>Residents</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="65" />
            <source>Счётчики</source>
            <translation>Meters</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="65" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="361" />
            <source>Заявки</source>
            <translation>Service requests</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="73" />
            <source>собственник</source>
            <translation>owner</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="73" />
            <source>наниматель</source>
            <translation>tenant</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="94" />
            <source>Помещение</source>
            <translation>Premises</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="96" />
            <source>Заводской номер</source>
            <translation>Serial number</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="97" />
            <source>Поверка до</source>
            <translation>Verified until</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="100" />
            <source>Показания</source>
            <translation>Readings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="101" />
            <source>Внести показание…</source>
            <translation>Enter a reading…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="138" />
            <source>Что отключается</source>
            <translation>What is cut off</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="139" />
            <source>Начало</source>
            <translation>Start</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="140" />
            <source>Окончание</source>
            <translation>End</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="142" />
            <source>Текст уведомления жителям</source>
            <translation>Notice text for residents</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="145" />
            <source>Разослать жителям…</source>
            <translation>Send to residents…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="229" />
            <source>Таблицы (*.xlsx *.csv);;Все файлы (*)</source>
            <translation>Spreadsheets (*.xlsx *.csv);;All files (*)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="259" />
            <source>загрузка.xlsx</source>
            <translation>load.xlsx</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="156" />
            <source>Нет шаблонов сообщений: создайте шаблон SMS или письма с текстом уведомления («Шаблоны писем и SMS»).</source>
            <translation>No message templates: create an SMS or letter template with the notice text («Letter and SMS templates»).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="301" />
            <source>ЖКХ: Дома</source>
            <translation>Housing: Buildings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="302" />
            <source>ЖКХ: Помещения</source>
            <translation>Housing: Premises</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="303" />
            <source>ЖКХ: Счётчики</source>
            <translation>Housing: Meters</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="304" />
            <source>ЖКХ: Показания счётчиков</source>
            <translation>Housing: Meter readings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="305" />
            <source>ЖКХ: Загрузить показания из файла…</source>
            <translation>Housing: Load meter readings from a file…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="307" />
            <source>ЖКХ: Отключения и работы</source>
            <translation>Housing: Outages and works</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="308" />
            <source>ЖКХ: Не переданы показания</source>
            <translation>Housing: Readings not submitted</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/leads.py" line="103" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="98" />
            <source>Отклонить</source>
            <translation>Reject</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/leads.py" line="187" />
            <source>Почта: писем {0}, новых обращений {1}</source>
            <translation>Mail: {0} letters, {1} new enquiries</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/leads.py" line="31" />
            <source>Потенциальный клиент</source>
            <translation>Lead</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="37" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="32" />
            <location filename="../../crmdesk/ui/generic/structure.py" line="23" />
            <source>Состояние</source>
            <translation>State</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="38" />
            <source>Ответственный</source>
            <translation>Responsible</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/leads.py" line="40" />
            <source>Письма</source>
            <translation>Letters</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/leads.py" line="44" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="227" />
            <source>Сделать клиентом</source>
            <translation>Make a client</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/leads.py" line="45" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="228" />
            <source>Отклонить…</source>
            <translation>Reject…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="69" />
            <source>Вручную</source>
            <translation>Manually</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/leads.py" line="229" />
            <source>Забрать почту</source>
            <translation>Fetch mail</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="238" />
            <source>Потенциальные клиенты</source>
            <translation>Leads</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="41" />
            <source>Пароль</source>
            <translation>Password</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="41" />
            <source>Введите {0} (хранится только до закрытия программы):</source>
            <translation>Enter {0} (kept only until the program closes):</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="55" />
            <location filename="../../crmdesk/ui/forms/printing.py" line="91" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="220" />
            <source>Отправить по почте</source>
            <translation>Send by e-mail</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="69" />
            <source>Кому:</source>
            <translation>To:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="71" />
            <source>Формат вложения:</source>
            <translation>Attachment format:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="72" />
            <source>Тема:</source>
            <translation>Subject:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="73" />
            <source>Вложение:</source>
            <translation>Attachment:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="75" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="308" />
            <location filename="../../crmdesk/ui/forms/mailings.py" line="106" />
            <location filename="../../crmdesk/ui/forms/mailings.py" line="212" />
            <source>Отправить</source>
            <translation>Send</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="77" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="309" />
            <location filename="../../crmdesk/ui/forms/merge.py" line="77" />
            <source>Отмена</source>
            <translation>Cancel</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="147" />
            <source>Письмо отправлено: {0}</source>
            <translation>Letter sent: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="265" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="278" />
            <source>Проверка</source>
            <translation>Check</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="272" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="282" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="423" />
            <source>Моя почта</source>
            <translation>My mail</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="293" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="358" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="389" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="390" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="405" />
            <source>Отправить SMS</source>
            <translation>Send SMS</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="301" />
            <source>Телефон:</source>
            <translation>Phone:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="316" />
            <source>Символов: {0}, частей SMS: {1} (по {2})</source>
            <translation>Characters: {0}, SMS parts: {1} ({2} each)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="337" />
            <source>SMS отправлено: {0}</source>
            <translation>SMS sent: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="175" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="421" />
            <source>Почта и SMS</source>
            <translation>Mail and SMS</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="177" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="236" />
            <source>Отправка (SMTP)</source>
            <translation>Sending (SMTP)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="178" />
            <source>Приём (IMAP)</source>
            <translation>Receiving (IMAP)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="179" />
            <source>Адрес отправителя</source>
            <translation>Sender address</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="180" />
            <source>Имя отправителя</source>
            <translation>Sender name</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="181" />
            <source>Пароль почты</source>
            <translation>Mail password</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="182" />
            <source>Писем в минуту, не больше</source>
            <translation>Letters per minute, at most</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="183" />
            <source>Забирать почту каждые, мин</source>
            <translation>Fetch mail every, min</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="184" />
            <location filename="../../crmdesk/ui/forms/monitor.py" line="84" />
            <source>Новые обращения</source>
            <translation>New enquiries</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="186" />
            <source>Менеджер для обращений</source>
            <translation>Manager for enquiries</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="187" />
            <source>Провайдер SMS</source>
            <translation>SMS provider</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="189" />
            <source>Адрес сервиса SMS</source>
            <translation>SMS service address</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="190" />
            <source>Имя отправителя SMS</source>
            <translation>SMS sender name</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="191" />
            <source>Логин SMS (SMSC.ru)</source>
            <translation>SMS login (SMSC.ru)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="192" />
            <source>Ключ / пароль SMS</source>
            <translation>SMS key / password</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="197" />
            <source>Проверить</source>
            <translation>Check</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="186" />
            <location filename="../../crmdesk/ui/forms/mailings.py" line="80" />
            <source>имя входа</source>
            <translation>login</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="185" />
            <source>одному менеджеру</source>
            <translation>to one manager</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="185" />
            <source>менеджерам по очереди</source>
            <translation>to managers in turn</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mail.py" line="188" />
            <source>(нет)</source>
            <translation>(none)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/mailings.py" line="69" />
            <source>Рассылка</source>
            <translation>Mailing</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="78" />
            <source>через запятую; пусто — все</source>
            <translation>comma-separated; empty — all</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="84" />
            <source>через запятую: интересовались или покупали</source>
            <translation>comma-separated: asked about or bought</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="87" />
            <location filename="../../crmdesk/ui/forms/mailings.py" line="91" />
            <source>не важно</source>
            <translation>any</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="93" />
            <source>дни рождения контактных лиц на этой неделе</source>
            <translation>contacts' birthdays this week</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="95" />
            <source>Канал:</source>
            <translation>Channel:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="97" />
            <source>Группы клиентов:</source>
            <translation>Client groups:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="98" />
            <location filename="../../crmdesk/ui/forms/reports.py" line="107" />
            <source>Менеджер:</source>
            <translation>Manager:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="99" />
            <source>Статус клиента:</source>
            <translation>Client status:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="100" />
            <source>Источник:</source>
            <translation>Source:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="101" />
            <source>Интересующие товары:</source>
            <translation>Products of interest:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="102" />
            <source>Просрочка долга больше, дней:</source>
            <translation>Debt overdue by more than, days:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="103" />
            <source>Нет контакта, дней:</source>
            <translation>No contact for, days:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="105" />
            <source>Подобрать получателей</source>
            <translation>Pick recipients</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="107" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="338" />
            <source>Прервать</source>
            <translation>Abort</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="108" />
            <location filename="../../crmdesk/ui/forms/printing.py" line="89" />
            <source>Сохранить XLSX…</source>
            <translation>Save XLSX…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/mailings.py" line="117" />
            <source>Получатель</source>
            <translation>Recipient</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/mailings.py" line="118" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="409" />
            <source>Причина</source>
            <translation>Reason</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="152" />
            <source> (рекламная)</source>
            <translation> (advertising)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="194" />
            <source>Рассылка: {0}</source>
            <translation>Mailing: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="208" />
            <source>Получателей: {0}. </source>
            <translation>Recipients: {0}. </translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="211" />
            <source>Продолжить</source>
            <translation>Continue</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="251" />
            <location filename="../../crmdesk/ui/forms/printing.py" line="113" />
            <source>Сохранить как</source>
            <translation>Save as</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="252" />
            <source>Рассылка {0}.xlsx</source>
            <translation>Mailing {0}.xlsx</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="260" />
            <location filename="../../crmdesk/ui/forms/printing.py" line="123" />
            <source>Сохранено: {0}</source>
            <translation>Saved: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/mailings.py" line="287" />
            <source>Рассылки</source>
            <translation>Mailings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="288" />
            <source>Рассылка: создать</source>
            <translation>Mailing: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="51" />
            <source>Такой клиент уже есть</source>
            <translation>This client already exists</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="63" />
            <source>Записать нельзя: один клиент — одна карточка. Откройте того клиента или объедините карточки («Объединить…» в списке клиентов).</source>
            <translation>Cannot save: one client, one card. Open that client or merge the cards («Merge…» in the clients list).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="67" />
            <source>Записать этого клиента всё равно?</source>
            <translation>Save this client anyway?</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="75" />
            <location filename="../../crmdesk/ui/forms/plans.py" line="45" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="95" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="205" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="32" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="128" />
            <source>Записать</source>
            <translation>Save</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="98" />
            <location filename="../../crmdesk/ui/forms/merge.py" line="204" />
            <source>Объединение клиентов</source>
            <translation>Merging clients</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="110" />
            <source>Поменять местами</source>
            <translation>Swap</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/merge.py" line="114" />
            <source>Поле</source>
            <translation>Field</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="114" />
            <source>Оставляемый клиент</source>
            <translation>Client kept</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="114" />
            <source>Взять</source>
            <translation>Take</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="114" />
            <source>Объединяемый клиент</source>
            <translation>Client merged in</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="124" />
            <source>Объединить</source>
            <translation>Merge</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="126" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="261" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="221" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="133" />
            <location filename="../../crmdesk/ui/shell/reminders.py" line="95" />
            <source>Закрыть</source>
            <translation>Close</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="129" />
            <source>Оставить:</source>
            <translation>Keep:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="129" />
            <source>Объединить с:</source>
            <translation>Merge with:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="162" />
            <source>Выберите оставляемого клиента и того, кто с ним объединится.</source>
            <translation>Choose the client to keep and the one to merge into it.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="180" />
            <source>Взять значение объединяемого клиента</source>
            <translation>Take the value of the client merged in</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="187" />
            <source>Контактные лица, телефоны, документы, взаимодействия, сделки, задачи и файлы объединяемого клиента перейдут к оставляемому; объединяемый будет помечен на удаление.</source>
            <translation>The contact persons, phones, documents, interactions, deals, tasks and files of the client merged in move to the client kept; the client merged in is marked for deletion.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="201" />
            <source>Объединить «{0}» с «{1}»? «{1}» будет помечен на удаление.</source>
            <translation>Merge «{1}» into «{0}»? «{1}» will be marked for deletion.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="216" />
            <source>Объединено: {0} строк перенесено к «{1}»</source>
            <translation>Merged: {0} rows moved to «{1}»</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="100" />
            <source>Оставить</source>
            <translation>Keep</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/merge.py" line="102" />
            <source>Объединить с ним и пометить на удаление</source>
            <translation>Merge into it and mark for deletion</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/monitor.py" line="62" />
            <source>Продажи за месяц</source>
            <translation>Sales this month</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/monitor.py" line="63" />
            <source>план</source>
            <translation>plan</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/monitor.py" line="74" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="78" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="91" />
            <source>Задолженность клиентов</source>
            <translation>Accounts receivable</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/monitor.py" line="76" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="60" />
            <source>просрочено</source>
            <translation>overdue</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/monitor.py" line="80" />
            <source>нет</source>
            <translation>no</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/monitor.py" line="82" />
            <source>Просроченные задачи</source>
            <translation>Overdue tasks</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/planning.py" line="56" />
            <source> (просрочена)</source>
            <translation> (overdue)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="16" />
            <source>Высокая</source>
            <translation>High</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="16" />
            <source>Обычная</source>
            <translation>Normal</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="16" />
            <source>Низкая</source>
            <translation>Low</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/planning.py" line="21" />
            <source>Задача (создание)</source>
            <translation>Task (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/planning.py" line="93" />
            <source>Взаимодействие (создание)</source>
            <translation>Interaction (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/rights.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="26" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="76" />
            <source>Исполнитель</source>
            <translation>Assignee</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="30" />
            <source>Напомнить</source>
            <translation>Remind at</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="31" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="74" />
            <source>Важность</source>
            <translation>Priority</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/crm.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="43" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="148" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="41" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="95" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="260" />
            <source>Выполнена</source>
            <translation>Done</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="97" />
            <source>Когда</source>
            <translation>When</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/planning.py" line="99" />
            <source>Длительность, мин</source>
            <translation>Duration, min</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="101" />
            <source>Суть</source>
            <translation>Summary</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="102" />
            <source>Договорились</source>
            <translation>Agreed next step</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/planning.py" line="99" />
            <source>Длительность</source>
            <translation>Duration</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/plans.py" line="36" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="55" />
            <source>Планы продаж</source>
            <translation>Sales plans</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/plans.py" line="48" />
            <source>Год:</source>
            <translation>Year:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/plans.py" line="100" />
            <source>Планы продаж записаны</source>
            <translation>Sales plans written</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/printing.py" line="73" />
            <source>Печать: {0}</source>
            <translation>Print: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/printing.py" line="87" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="215" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="218" />
            <source>Печать</source>
            <translation>Print</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/printing.py" line="88" />
            <source>Сохранить PDF…</source>
            <translation>Save PDF…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/printing.py" line="90" />
            <source>Открыть в программе просмотра</source>
            <translation>Open in viewer</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="57" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="54" />
            <source>Процессы и правила</source>
            <translation>Processes and rules</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="63" />
            <source>Добавить процесс</source>
            <translation>Add a process</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="69" />
            <source>Основной (новые сделки)</source>
            <translation>Main (new deals)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="77" />
            <source>Одна причина в строке</source>
            <translation>One reason per line</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="85" />
            <source>Этапы</source>
            <translation>Stages</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="86" />
            <source>Переходы</source>
            <translation>Transitions</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="87" />
            <source>Причины отказа</source>
            <translation>Refusal reasons</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="88" />
            <source>Правила</source>
            <translation>Rules</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="99" />
            <source>Наименование:</source>
            <translation>Name:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="135" />
            <source>Добавить правило</source>
            <translation>Add a rule</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="124" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="137" />
            <source>Удалить</source>
            <translation>Delete</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="316" />
            <source>Записано: процесс «{0}»</source>
            <translation>Written: process «{0}»</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="348" />
            <source>Новый процесс</source>
            <translation>New process</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="32" />
            <source>Код</source>
            <translation>Code</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="32" />
            <source>Цвет</source>
            <translation>Colour</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="32" />
            <source>Финальный</source>
            <translation>Final</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="33" />
            <source>Правило</source>
            <translation>Rule</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="33" />
            <source>Событие</source>
            <translation>Event</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="33" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="331" />
            <source>Дней</source>
            <translation>Days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="33" />
            <source>Действие</source>
            <translation>Action</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="33" />
            <source>Активно</source>
            <translation>Active</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="124" />
            <source>Добавить этап</source>
            <translation>Add a stage</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="125" />
            <source>Выше</source>
            <translation>Up</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="126" />
            <source>Ниже</source>
            <translation>Down</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/setup.py" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="349" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="47" />
            <source>Новый</source>
            <translation>New</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="349" />
            <source>В работе</source>
            <translation>In progress</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="349" />
            <source>Завершён</source>
            <translation>Finished</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/reports.py" line="98" />
            <source>Период:</source>
            <translation>Period:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/reports.py" line="102" />
            <source>На дату:</source>
            <translation>As of:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/reports.py" line="104" />
            <source>Группировка:</source>
            <translation>Group by:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/reports.py" line="105" />
            <source>Шаг:</source>
            <translation>Step:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/reports.py" line="116" />
            <source>Сформировать</source>
            <translation>Generate</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/reports.py" line="121" />
            <source>Сохранить {0}</source>
            <translation>Save {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/reports.py" line="130" />
            <source>Выберите период и отборы и нажмите «Сформировать» (Ctrl+Enter).</source>
            <translation>Choose the period and filters and press «Generate» (Ctrl+Enter).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/forecast.py" />
            <location filename="../../crmdesk/reports/gross_profit.py" />
            <location filename="../../crmdesk/reports/receivables.py" />
            <location filename="../../crmdesk/ui/forms/reports.py" line="239" />
            <source>Итого</source>
            <translation>Total</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/reports.py" line="329" />
            <source>Сохранить отчёт</source>
            <translation>Save report</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/reports.py" line="338" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="432" />
            <source>Отчёт сохранён: {0}</source>
            <translation>Report saved: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/reports.py" line="49" />
            <source>Следующие 8 недель</source>
            <translation>Next 8 weeks</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/reports.py" line="50" />
            <source>Произвольный период</source>
            <translation>Custom period</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="41" />
            <source>Что сделано:</source>
            <translation>What was done:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="308" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="363" />
            <source>Мои заявки</source>
            <translation>My service requests</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="24" />
            <source>Причина, по которой заявка отложена:</source>
            <translation>Reason the request is postponed:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="25" />
            <source>Причина отклонения заявки:</source>
            <translation>Reason for rejecting the request:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="59" />
            <source>Заявка (создание)</source>
            <translation>Service request (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="194" />
            <source>Категория заявок (создание)</source>
            <translation>Request category (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="224" />
            <source>Подрядчик (создание)</source>
            <translation>Contractor (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="320" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="364" />
            <source>Заявки: доска</source>
            <translation>Service requests: board</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="67" />
            <location filename="../../crmdesk/ui/forms/templates.py" line="41" />
            <source>Канал</source>
            <translation>Channel</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="69" />
            <source>Заявитель (ФИО)</source>
            <translation>Applicant (full name)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="70" />
            <source>Телефон заявителя</source>
            <translation>Applicant's phone</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="71" />
            <source>Объект (адрес)</source>
            <translation>Site (address)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="72" />
            <source>Помещение (ЖКХ)</source>
            <translation>Premises (housing)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="73" />
            <source>Категория</source>
            <translation>Category</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="75" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="202" />
            <source>Платная</source>
            <translation>Paid</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="77" />
            <source>Плановая дата</source>
            <translation>Planned date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="81" />
            <source>Что сделано</source>
            <translation>What was done</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="94" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="259" />
            <source>В работу</source>
            <translation>Start work</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="96" />
            <source>Закрыть заявку</source>
            <translation>Close the request</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="97" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="262" />
            <location filename="../../crmdesk/ui/shell/reminders.py" line="91" />
            <source>Отложить</source>
            <translation>Postpone</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="99" />
            <source>Создать на основании: Заказ клиента</source>
            <translation>Create based on: Sales order</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="198" />
            <source>Срок, рабочих дней</source>
            <translation>Term, working days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="199" />
            <source>Срок, часов (аварийные)</source>
            <translation>Term, hours (emergency)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="200" />
            <source>Исполнитель по умолчанию</source>
            <translation>Default executor</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="201" />
            <source>Подрядчик по умолчанию</source>
            <translation>Default contractor</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="294" />
            <source>Отключения: </source>
            <translation>Outages: </translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="79" />
            <source>по категории: её срок в рабочих днях по производственному календарю</source>
            <translation>by category: its term in working days by the production calendar</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="245" />
            <source>Недостаточно прав: пометку на удаление ставит диспетчер.</source>
            <translation>Insufficient rights: the dispatcher marks for deletion.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="335" />
            <source>Заявку по письму регистрируют из входящего письма: выберите его.</source>
            <translation>A request from a letter is registered from the incoming letter: choose it.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="348" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="350" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="117" />
            <source>Зарегистрировать заявку</source>
            <translation>Register a request</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="360" />
            <source>Обслуживание</source>
            <translation>Service</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="68" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="69" />
            <source>Заявитель</source>
            <translation>Applicant</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="367" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="371" />
            <source>Анализ заявок</source>
            <translation>Service requests analysis</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="280" />
            <source>не назначен</source>
            <translation>not assigned</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="362" />
            <source>Заявка: создать</source>
            <translation>Service request: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="365" />
            <source>Категории заявок</source>
            <translation>Request categories</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="366" />
            <source>Подрядчики</source>
            <translation>Contractors</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/templates.py" line="86" />
            <source>Просмотр</source>
            <translation>Preview</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/templates.py" line="96" />
            <source>Согласие на рекламные рассылки</source>
            <translation>Consent to advertising mailings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/templates.py" line="98" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="282" />
            <source>E-mail</source>
            <translation>E-mail</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/templates.py" line="99" />
            <source>SMS</source>
            <translation>SMS</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/templates.py" line="37" />
            <source>Шаблон (создание)</source>
            <translation>Template (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/templates.py" line="42" />
            <source>Рекламный (только тем, кто дал согласие)</source>
            <translation>Advertising (only to those who consented)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/templates.py" line="43" />
            <source>Для документа</source>
            <translation>For a document</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/templates.py" line="46" />
            <source>Тема</source>
            <translation>Subject</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/templates.py" line="47" />
            <source>Текст</source>
            <translation>Text</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/templates.py" line="48" />
            <source>Поля</source>
            <translation>Fields</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/templates.py" line="52" />
            <source>Просмотр для клиента…</source>
            <translation>Preview for the client…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/templates.py" line="147" />
            <location filename="../../crmdesk/ui/forms/templates.py" line="149" />
            <source>Согласие на рассылки…</source>
            <translation>Consent to mailings…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/templates.py" line="44" />
            <source>(любой)</source>
            <translation>(any)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/templates.py" line="152" />
            <source>Шаблоны писем и SMS</source>
            <translation>Letter and SMS templates</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="112" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="134" />
            <source>Файл с клиентами</source>
            <translation>File with clients</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="114" />
            <source>Excel (XLSX), CSV (в том числе экспорт Google Контактов) или vCard с телефона.</source>
            <translation>Excel (XLSX), CSV (including a Google Contacts export) or vCard from a phone.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="118" />
            <source>Выбрать…</source>
            <translation>Choose…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="145" />
            <source>Файл не найден: {0}</source>
            <translation>File not found: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="159" />
            <source>Лист и строка заголовков</source>
            <translation>Sheet and header row</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="165" />
            <source>Строка с названиями колонок; найдена автоматически</source>
            <translation>The row with the column names; found automatically</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="172" />
            <source>Лист:</source>
            <translation>Sheet:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="173" />
            <source>Строка заголовков:</source>
            <translation>Header row:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="200" />
            <source>найдена автоматически</source>
            <translation>found automatically</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="200" />
            <source>выбрана вручную</source>
            <translation>chosen by hand</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="201" />
            <source>нет (vCard)</source>
            <translation>none (vCard)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="202" />
            <source>, строк данных: {0}</source>
            <translation>, data rows: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="207" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="282" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="409" />
            <source>Строка</source>
            <translation>Row</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="223" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="265" />
            <source>Колонки</source>
            <translation>Columns</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="225" />
            <source>Колонка файла</source>
            <translation>File column</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="225" />
            <source>Пример</source>
            <translation>Example</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="225" />
            <source>Поле клиента</source>
            <translation>Client field</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="236" />
            <source>Сопоставление, сохранённое в прошлый раз; его можно поправить.</source>
            <translation>The mapping saved last time; you can adjust it.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="238" />
            <source>Колонки сопоставлены по названиям; проверьте и поправьте.</source>
            <translation>Columns were matched by their names; check and adjust them.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="248" />
            <source>— не загружать —</source>
            <translation>— do not import —</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="265" />
            <source>Не выбрано ни одного поля клиента.</source>
            <translation>No client field is selected.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="282" />
            <source>Итог</source>
            <translation>Result</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="283" />
            <source>Замечания</source>
            <translation>Remarks</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="307" />
            <source>Проверено строк: {0} — новых {1}, объединится {2}, отклонится {3}, предупреждений {4}. Ничего ещё не записано.</source>
            <translation>Rows checked: {0} — {1} new, {2} to merge, {3} to reject, {4} warnings. Nothing has been saved yet.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="332" />
            <source>Загрузка</source>
            <translation>Import</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="335" />
            <source>Нажмите «Загрузить»: все строки запишутся одной операцией.</source>
            <translation>Click “Import”: all rows will be saved in a single operation.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="355" />
            <source>Загрузка…</source>
            <translation>Importing…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="409" />
            <source>Что</source>
            <translation>What</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="409" />
            <source>Колонка</source>
            <translation>Column</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="409" />
            <source>Значение</source>
            <translation>Value</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="411" />
            <source>Сохранить отчёт в XLSX…</source>
            <translation>Save report to XLSX…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="443" />
            <source>Загрузка клиентов из файла</source>
            <translation>Import clients from file</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="492" />
            <source>Выгрузить клиентов</source>
            <translation>Export clients</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="507" />
            <source>Выгружено клиентов: {0} в {1}</source>
            <translation>Clients exported: {0} to {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="519" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="613" />
            <location filename="../../crmdesk/ui/shell/backup_check.py" line="99" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="117" />
            <source>Резервное копирование</source>
            <translation>Backup</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="527" />
            <source>Создать копию сейчас</source>
            <translation>Back up now</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="528" />
            <source>Восстановить из копии…</source>
            <translation>Restore from backup…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="556" />
            <source>Папка копий: {0}</source>
            <translation>Backup folder: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="557" />
            <source>Хранится: {0} ежедневных и {1} еженедельных копий</source>
            <translation>Kept: {0} daily and {1} weekly backups</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="560" />
            <source>Последняя попытка: {0}</source>
            <translation>Last attempt: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="560" />
            <source>не было</source>
            <translation>never</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="561" />
            <source>Копия нужна сейчас</source>
            <translation>A backup is due now</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="561" />
            <source>Свежая копия есть</source>
            <translation>A recent backup exists</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="588" />
            <source>Резервная копия</source>
            <translation>Backup</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="589" />
            <source>Копии crmdesk (*.sqlite *.dump *.json);;Все файлы (*)</source>
            <translation>crmdesk backups (*.sqlite *.dump *.json);;All files (*)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="611" />
            <location filename="../../crmdesk/ui/shell/backup_check.py" line="80" />
            <source>Резервная копия сохранена: {0}</source>
            <translation>Backup saved: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="618" />
            <source>Восстановление</source>
            <translation>Restore</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="619" />
            <source>{0}
Клиентов: {1}.

Работать с восстановленной базой? Программа запомнит её и откроет при следующем запуске.</source>
            <translation>{0}
Clients: {1}.

Work with the restored database? crmdesk will remember it and open it on the next start.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="634" />
            <source>Куда восстановить</source>
            <translation>Restore to</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="636" />
            <source>В новый файл SQLite</source>
            <translation>A new SQLite file</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="639" />
            <source>В пустую базу PostgreSQL</source>
            <translation>An empty PostgreSQL database</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="644" />
            <source>Рабочая база не меняется: копия восстанавливается рядом.</source>
            <translation>The working database is not touched: the backup is restored alongside it.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="661" />
            <source>Следующий запуск откроет базу: {0}</source>
            <translation>The next start will open the database: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="47" />
            <source>Объединён</source>
            <translation>Merged</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="47" />
            <source>Отклонён</source>
            <translation>Rejected</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="480" />
            <source>CSV для Excel (*.csv)</source>
            <translation>CSV for Excel (*.csv)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/transfer.py" line="482" />
            <source>Google Контакты CSV (*.csv)</source>
            <translation>Google Contacts CSV (*.csv)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/base.py" line="32" />
            <source>Непредвиденная ошибка: {0}. Подробности записаны в журнал программы.</source>
            <translation>Unexpected error: {0}. The details are written to the program's log.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/generic/base.py" line="40" />
            <source>Ошибка</source>
            <translation>Error</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/base.py" line="42" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="439" />
            <source>crmdesk</source>
            <translation>crmdesk</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/commandbar.py" line="75" />
            <location filename="../../crmdesk/ui/generic/commandbar.py" line="77" />
            <source>Ещё</source>
            <translation>More</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="120" />
            <source>№</source>
            <translation>No.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="152" />
            <source>«{0}» — не число</source>
            <translation>“{0}” is not a number</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="204" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="32" />
            <source>Провести и закрыть</source>
            <translation>Post and close</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="209" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="213" />
            <source>Создать на основании</source>
            <translation>Create based on</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="214" />
            <location filename="../../crmdesk/ui/generic/structure.py" line="21" />
            <source>Структура подчинённости</source>
            <translation>Subordination structure</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="281" />
            <source>Добавить</source>
            <translation>Add</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="282" />
            <source>Подбор</source>
            <translation>Pick</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="283" />
            <source>Удалить строку</source>
            <translation>Delete row</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="328" />
            <source>в т.ч. НДС: {0}</source>
            <translation>incl. VAT: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="329" />
            <source>НДС сверху: {0}</source>
            <translation>VAT on top: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="331" />
            <source>Всего: {0}</source>
            <translation>Total: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="350" />
            <source>Подбор товаров: Enter добавляет, Esc завершает</source>
            <translation>Pick products: Enter adds, Esc finishes</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="424" />
            <source>Проведён: {0}</source>
            <translation>Posted: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="483" />
            <source>(нет печатных форм)</source>
            <translation>(no print forms)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="33" />
            <location filename="../../crmdesk/ui/generic/productcell.py" line="15" />
            <source>Товары (работы, услуги)</source>
            <translation>Goods and services</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="34" />
            <source>Кол-во</source>
            <translation>Qty</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="35" />
            <source>Ед.</source>
            <translation>Unit</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="37" />
            <source>Скидка, %</source>
            <translation>Discount, %</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="38" />
            <source>НДС, %</source>
            <translation>VAT, %</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/fields.py" line="292" />
            <source>введите часть наименования</source>
            <translation>type part of the name</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/fields.py" line="295" />
            <source>Выбрать из списка (F4)</source>
            <translation>Choose from the list (F4)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/fields.py" line="438" />
            <source>Открыть: {0}</source>
            <translation>Open: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="83" />
            <source>Отбор: </source>
            <translation>Filter: </translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="86" />
            <source>Добавить условие</source>
            <translation>Add condition</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="110" />
            <source>Убрать условие</source>
            <translation>Remove condition</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="164" />
            <source>Поиск (Ctrl+F)</source>
            <translation>Search (Ctrl+F)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="218" />
            <source>Выбрать</source>
            <translation>Select</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="220" />
            <source>Создать</source>
            <translation>Create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="223" />
            <source>Скопировать</source>
            <translation>Copy</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="224" />
            <source>Изменить</source>
            <translation>Edit</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="227" />
            <source>Пометить на удаление</source>
            <translation>Mark for deletion</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="236" />
            <location filename="../../crmdesk/ui/shell/office.py" line="234" />
            <source>Обновить</source>
            <translation>Refresh</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="237" />
            <source>Найти</source>
            <translation>Find</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="238" />
            <source>Отменить поиск</source>
            <translation>Cancel search</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="240" />
            <source>Отбор…</source>
            <translation>Filter…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="241" />
            <source>Настроить колонки…</source>
            <translation>Customize columns…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="244" />
            <source>Показывать помеченные на удаление</source>
            <translation>Show items marked for deletion</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="252" />
            <source>Вывести список в XLSX…</source>
            <translation>Export list to XLSX…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="335" />
            <source>Снять пометку удаления с «{0}»?</source>
            <translation>Clear the deletion mark of “{0}”?</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="335" />
            <source>Пометить «{0}» на удаление?</source>
            <translation>Mark “{0}” for deletion?</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="337" />
            <source>Пометка удаления</source>
            <translation>Deletion mark</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="427" />
            <source>Вывести список</source>
            <translation>Export list</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="437" />
            <source>Список сохранён: {0}</source>
            <translation>List saved: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="458" />
            <source>более {0}</source>
            <translation>over {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="461" />
            <source>поиск: «{0}»</source>
            <translation>search: “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="463" />
            <source>отбор: {0} усл.</source>
            <translation>filter: {0} cond.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="465" />
            <source>Записей: {0}</source>
            <translation>Records: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="526" />
            <source>Выбор: </source>
            <translation>Select: </translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listmodel.py" line="220" />
            <location filename="../../crmdesk/ui/generic/structure.py" line="33" />
            <source>Помечен на удаление</source>
            <translation>Marked for deletion</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="111" />
            <source>Основное</source>
            <translation>Main</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="32" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="127" />
            <source>Записать и закрыть</source>
            <translation>Save and close</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="320" />
            <source>Записано: {0}</source>
            <translation>Saved: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="344" />
            <source>Данные изменены другим пользователем</source>
            <translation>The data was changed by another user</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="348" />
            <source>Перечитать</source>
            <translation>Reload</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="349" />
            <source>Продолжить редактирование</source>
            <translation>Continue editing</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="394" />
            <source>Только просмотр: нет права «{0}».</source>
            <translation>View only: no «{0}» right.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="440" />
            <source>Данные были изменены. Сохранить изменения?</source>
            <translation>The data has been changed. Save the changes?</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="206" />
            <source>Файлы</source>
            <translation>Files</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="209" />
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="226" />
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="228" />
            <source>История</source>
            <translation>History</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/structure.py" line="23" />
            <source>Документ</source>
            <translation>Document</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/structure.py" line="34" />
            <source>Проведён</source>
            <translation>Posted</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/structure.py" line="34" />
            <source>Не проведён</source>
            <translation>Not posted</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/structure.py" line="61" />
            <source>Документ ещё не записан: структуры подчинённости у него нет.</source>
            <translation>The document is not written yet: it has no subordination structure.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/i18n.py" line="10" />
            <source>Русский</source>
            <translation>Russian</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/screenshots.py" line="113" />
            <location filename="../../crmdesk/ui/shell/menubar.py" line="59" />
            <source>О программе</source>
            <translation>About</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/backup_check.py" line="30" />
            <source>Последнее резервное копирование не удалось: {0}</source>
            <translation>The last backup failed: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/backup_check.py" line="35" />
            <source>Резервных копий ещё нет (папка: {0})</source>
            <translation>No backups yet (folder: {0})</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/backup_check.py" line="38" />
            <source>Последняя резервная копия старше {0} ч: {1}</source>
            <translation>The last backup is older than {0} h: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/backup_check.py" line="82" />
            <source>Резервная копия не сохранена: {0}</source>
            <translation>Backup not saved: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/backup_check.py" line="93" />
            <source>Резервная копия: {0}</source>
            <translation>Backup: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="41" />
            <source>Это клиент другого менеджера</source>
            <translation>This is another manager's client</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="45" />
            <source>Номер не найден: ни у клиента, ни у контактного лица</source>
            <translation>Number not found: no client or contact person has it</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="49" />
            <source>Контактное лицо</source>
            <translation>Contact person</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="53" />
            <source>Этот номер есть и у</source>
            <translation>This number also belongs to</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/receivables.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="58" />
            <location filename="../../crmdesk/ui/shell/docks.py" line="48" />
            <source>Долг</source>
            <translation>Debt</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/receivables.py" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="63" />
            <location filename="../../crmdesk/ui/shell/docks.py" line="50" />
            <source>Аванс</source>
            <translation>Advance</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="70" />
            <location filename="../../crmdesk/ui/shell/docks.py" line="53" />
            <source>Последние контакты</source>
            <translation>Recent contacts</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="76" />
            <location filename="../../crmdesk/ui/shell/docks.py" line="61" />
            <source>Открытые задачи</source>
            <translation>Open tasks</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/crm.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="103" />
            <source>Входящий звонок</source>
            <translation>Incoming call</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/crm.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="103" />
            <source>Исходящий звонок</source>
            <translation>Outgoing call</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="109" />
            <source>Суть разговора</source>
            <translation>Gist of the conversation</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="112" />
            <source>Договорились (следующий шаг)</source>
            <translation>Agreed (next step)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="113" />
            <location filename="../../crmdesk/ui/shell/docks.py" line="77" />
            <source>Открыть карточку</source>
            <translation>Open card</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="114" />
            <source>Записать разговор</source>
            <translation>Save the conversation</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="115" />
            <source>Создать клиента</source>
            <translation>Create client</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="116" />
            <source>Создать лида</source>
            <translation>Create lead</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="162" />
            <source>пропущен</source>
            <translation>missed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="186" />
            <source>Разговор записан в историю клиента.</source>
            <translation>The conversation is saved in the client's history.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="208" />
            <source>Потенциальный клиент записан (код {0}).</source>
            <translation>Lead saved (code {0}).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="266" />
            <source>Введите пароль пользователя AMI (щелчок здесь)</source>
            <translation>Enter the AMI user's password (click here)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="300" />
            <source>Телефония</source>
            <translation>Telephony</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="301" />
            <source>Пароль пользователя AMI «{0}»:</source>
            <translation>Password of AMI user "{0}":</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="369" />
            <source>АТС звонит на ваш телефон {0}, затем на {1}</source>
            <translation>The PBX rings your phone {0}, then {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="85" />
            <source>звонит</source>
            <translation>ringing</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="86" />
            <source>разговор</source>
            <translation>talking</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="87" />
            <source>ответил другой сотрудник</source>
            <translation>answered by a colleague</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="88" />
            <source>завершён</source>
            <translation>ended</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="221" />
            <source>АТС: подключение…</source>
            <translation>PBX: connecting…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="222" />
            <source>АТС: на связи</source>
            <translation>PBX: connected</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="223" />
            <source>АТС: нет связи</source>
            <translation>PBX: no connection</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="224" />
            <source>АТС: ошибка</source>
            <translation>PBX: error</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="225" />
            <source>АТС: не настроена</source>
            <translation>PBX: not set up</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="226" />
            <source>АТС: нужен пароль</source>
            <translation>PBX: password needed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="227" />
            <source>АТС: события через базу</source>
            <translation>PBX: events via the database</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="36" />
            <source>ИНН {0}</source>
            <translation>INN {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="37" />
            <source> / КПП {0}</source>
            <translation> / KPP {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="44" />
            <source>Менеджер: {0}</source>
            <translation>Manager: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="46" />
            <source>Группы: {0}</source>
            <translation>Groups: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="84" />
            <source>Выберите клиента в списке</source>
            <translation>Select a client in a list</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/docks.py" line="145" />
            <location filename="../../crmdesk/ui/shell/reminders.py" line="122" />
            <source>Просрочена</source>
            <translation>Overdue</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="159" />
            <source>Номер звонящего</source>
            <translation>Caller's number</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="197" />
            <source>Найдено: {0}</source>
            <translation>Found: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="197" />
            <source>Клиент с этим номером не найден</source>
            <translation>No client with this number</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="44" />
            <source>crmdesk — {0}</source>
            <translation>crmdesk — {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="76" />
            <source>Разделы</source>
            <translation>Sections</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="97" />
            <source>Функции раздела</source>
            <translation>Section functions</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="210" />
            <source>Навигация</source>
            <translation>Navigation</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="213" />
            <source>Назад</source>
            <translation>Back</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="215" />
            <source>Вперёд</source>
            <translation>Forward</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="217" />
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="219" />
            <source>Избранное</source>
            <translation>Favorites</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="222" />
            <source>Добавить в избранное</source>
            <translation>Add to favorites</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="233" />
            <source>Поиск по клиентам и документам (Ctrl+Shift+F)</source>
            <translation>Search clients and documents (Ctrl+Shift+F)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="301" />
            <source>Добавлено в избранное: {0}</source>
            <translation>Added to favorites: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="308" />
            <source>(пусто — Ctrl+D добавляет открытую форму)</source>
            <translation>(empty — Ctrl+D adds the open form)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="341" />
            <source>Окна во вкладках</source>
            <translation>Tabbed windows</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="352" />
            <location filename="../../crmdesk/ui/shell/menubar.py" line="78" />
            <source>База: {0}</source>
            <translation>Database: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="354" />
            <source>Пользователь: {0} ({1})</source>
            <translation>User: {0} ({1})</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="328" />
            <source>Карточка клиента</source>
            <translation>Client card</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="332" />
            <source>Задачи на сегодня</source>
            <translation>Today's tasks</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/menubar.py" line="24" />
            <source>Файл</source>
            <translation>File</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/menubar.py" line="26" />
            <source>Сменить пользователя…</source>
            <translation>Switch user…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/menubar.py" line="29" />
            <source>Параметры…</source>
            <translation>Settings…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/menubar.py" line="32" />
            <source>Выход</source>
            <translation>Exit</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/menubar.py" line="40" />
            <source>Сервис</source>
            <translation>Tools</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/menubar.py" line="52" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="115" />
            <source>Пользователи</source>
            <translation>Users</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/menubar.py" line="56" />
            <source>Справка</source>
            <translation>Help</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/menubar.py" line="58" />
            <source>О программе…</source>
            <translation>About…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/menubar.py" line="76" />
            <source>CRM для небольшого офиса</source>
            <translation>CRM for a small office</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/menubar.py" line="77" />
            <source>Версия: {0}</source>
            <translation>Version: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/menubar.py" line="79" />
            <source>Лицензия: {0}</source>
            <translation>Licence: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/menubar.py" line="43" />
            <source>Резервное копирование…</source>
            <translation>Backup…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/menubar.py" line="44" />
            <source>Удаление помеченных объектов…</source>
            <translation>Delete marked objects…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="124" />
            <source>Сеанс завершён</source>
            <translation>Session ended</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="222" />
            <location filename="../../crmdesk/ui/shell/office.py" line="318" />
            <source>Активные пользователи</source>
            <translation>Active users</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="232" />
            <source>Завершить сеанс…</source>
            <translation>End session…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="264" />
            <source> (этот сеанс)</source>
            <translation> (this session)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="265" />
            <source> — нет связи</source>
            <translation> — not connected</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="274" />
            <source>Сеансов: {0}, на связи: {1}</source>
            <translation>Sessions: {0}, connected: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="287" />
            <source>Завершить сеанс</source>
            <translation>End session</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="288" />
            <source>Завершить сеанс пользователя {0} ({1})? Несохранённые изменения в его формах не будут записаны.</source>
            <translation>End the session of user {0} ({1})? Unsaved changes in their forms will not be written.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="294" />
            <source>завершён администратором</source>
            <translation>ended by the administrator</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="298" />
            <source>Сеанс пользователя {0} завершён</source>
            <translation>The session of user {0} has ended</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="217" />
            <source>Сеанс</source>
            <translation>Session</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="217" />
            <source>Пользователь</source>
            <translation>User</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="217" />
            <source>Компьютер</source>
            <translation>Computer</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="217" />
            <source>Начало работы</source>
            <translation>Started</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="217" />
            <source>Активность</source>
            <translation>Activity</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="218" />
            <source>Блокировок</source>
            <translation>Locks</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="284" />
            <source>Свой сеанс не завершают: закройте программу.</source>
            <translation>One's own session is not ended: close the program.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/reminders.py" line="70" />
            <source>Напоминания</source>
            <translation>Reminders</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/reminders.py" line="86" />
            <source>Открыть</source>
            <translation>Open</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/reminders.py" line="93" />
            <source>Выполнено</source>
            <translation>Done</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/reminders.py" line="124" />
            <source>Напоминаний: {0}</source>
            <translation>Reminders: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/reminders.py" line="30" />
            <source>Напоминание</source>
            <translation>Reminder</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="22" />
            <source>Главное</source>
            <translation>Home</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="47" />
            <source>Продажи</source>
            <translation>Sales</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="66" />
            <source>Деньги</source>
            <translation>Money</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="84" />
            <source>Отчёты</source>
            <translation>Reports</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="97" />
            <source>Справочники</source>
            <translation>Catalogs</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="108" />
            <source>Администрирование</source>
            <translation>Administration</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="25" />
            <location filename="../../crmdesk/ui/shell/special.py" line="31" />
            <source>Начальная страница</source>
            <translation>Start page</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="27" />
            <source>Задача: создать</source>
            <translation>Task: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="36" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="100" />
            <source>Клиенты</source>
            <translation>Clients</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="37" />
            <source>Клиент: создать</source>
            <translation>Client: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="42" />
            <source>Загрузить клиентов из файла…</source>
            <translation>Import clients from file…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="52" />
            <source>Сделка: создать</source>
            <translation>Deal: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="53" />
            <source>Воронка продаж (отчёт)</source>
            <translation>Sales funnel (report)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="57" />
            <source>Заказы клиентов</source>
            <translation>Customer orders</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="58" />
            <source>Коммерческое предложение: создать</source>
            <translation>Commercial proposal: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="59" />
            <source>Заказ клиента: создать</source>
            <translation>Customer order: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="61" />
            <source>Договор: создать</source>
            <translation>Contract: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="69" />
            <source>Счета на оплату</source>
            <translation>Invoices</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="70" />
            <source>Поступления оплат</source>
            <translation>Payments</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="71" />
            <source>Счёт на оплату: создать</source>
            <translation>Invoice: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="72" />
            <source>Поступление оплаты: создать</source>
            <translation>Payment: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="73" />
            <source>Загрузить выписку из банка…</source>
            <translation>Import bank statement…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="75" />
            <source>Загруженные платежи банка</source>
            <translation>Loaded bank payments</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="79" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="92" />
            <source>Прогноз поступлений</source>
            <translation>Cash receipts forecast</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/reports/gross_profit.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="87" />
            <source>Валовая прибыль</source>
            <translation>Gross profit</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="88" />
            <source>Воронка продаж</source>
            <translation>Sales funnel</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="89" />
            <source>Взвешенный прогноз продаж</source>
            <translation>Weighted sales forecast</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="90" />
            <source>План-факт продаж</source>
            <translation>Sales plan vs actual</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="101" />
            <source>Товары и услуги</source>
            <translation>Products and services</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="102" />
            <source>Группы клиентов</source>
            <translation>Client groups</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="103" />
            <source>Менеджеры</source>
            <translation>Managers</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="113" />
            <source>Оформление коммерческих предложений</source>
            <translation>Commercial proposal design</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="116" />
            <source>Роли и права</source>
            <translation>Roles and permissions</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="118" />
            <location filename="../../crmdesk/ui/shell/special.py" line="138" />
            <location filename="../../crmdesk/ui/shell/special.py" line="157" />
            <source>Удаление помеченных объектов</source>
            <translation>Delete marked objects</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/special.py" line="33" />
            <source>Добрый день, {0}!</source>
            <translation>Hello, {0}!</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/special.py" line="53" />
            <source>Мои задачи</source>
            <translation>My tasks</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/special.py" line="55" />
            <source>Неоплаченные счета</source>
            <translation>Unpaid invoices</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/special.py" line="72" />
            <source>Правила сделок: выполнено действий — {0}</source>
            <translation>Deal rules: actions done — {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/special.py" line="89" />
            <source>Поиск: {0}</source>
            <translation>Search: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/special.py" line="120" />
            <source>Ничего не найдено</source>
            <translation>Nothing found</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/special.py" line="139" />
            <source>Удалить все помеченные на удаление объекты, на которые нет ссылок?</source>
            <translation>Delete all objects marked for deletion that nothing refers to?</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/special.py" line="149" />
            <source>Удалено: {0}</source>
            <translation>Deleted: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/special.py" line="153" />
            <source>Не удалены (на них есть ссылки):</source>
            <translation>Not deleted (still referred to):</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <source>Последний контакт</source>
            <translation>Last contact</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Создан</source>
            <translation>Created</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Роли</source>
            <translation>Roles</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Способ</source>
            <translation>Method</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/crm.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <source>Встреча</source>
            <translation>Meeting</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/crm.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <source>Письмо</source>
            <translation>Letter</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/crm.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <source>Входящее письмо</source>
            <translation>Incoming letter</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/crm.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <source>Исходящее письмо</source>
            <translation>Outgoing letter</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/crm.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <source>Исходящее SMS</source>
            <translation>Outgoing SMS</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/crm.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <source>Заметка</source>
            <translation>Note</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Кто</source>
            <translation>Who</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Мин.</source>
            <translation>Min.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/crm.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <source>Открыта</source>
            <translation>Open</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/crm.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <source>Отменена</source>
            <translation>Cancelled</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Начата</source>
            <translation>Started</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>История изменений</source>
            <translation>Change history</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Было</source>
            <translation>Before</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Стало</source>
            <translation>After</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Размер, байт</source>
            <translation>Size, bytes</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Тип</source>
            <translation>Type</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Добавлен</source>
            <translation>Added</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Кем</source>
            <translation>By</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Дата п/п</source>
            <translation>Payment order date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Номер п/п</source>
            <translation>Payment order no.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Разнесено</source>
            <translation>Allocated</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Оплата счёта</source>
            <translation>Invoice payment</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Оплата от клиента</source>
            <translation>Client payment</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Файл выписки</source>
            <translation>Statement file</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Загружен</source>
            <translation>Loaded</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Загрузил</source>
            <translation>Loaded by</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Направление</source>
            <translation>Direction</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Входящий</source>
            <translation>Incoming</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Исходящий</source>
            <translation>Outgoing</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Звонит</source>
            <translation>Ringing</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Разговор</source>
            <translation>Talking</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Отвечен</source>
            <translation>Answered</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Пропущен</source>
            <translation>Missed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Внутр.</source>
            <translation>Ext.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Ответил</source>
            <translation>Answered by</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Сек.</source>
            <translation>Sec.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Запись</source>
            <translation>Recording</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Стал клиентом</source>
            <translation>Became a client</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Шаблон</source>
            <translation>Template</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Черновик</source>
            <translation>Draft</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Отправляется</source>
            <translation>Sending</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Завершена</source>
            <translation>Finished</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Прервана</source>
            <translation>Interrupted</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Автор</source>
            <translation>Author</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Получатели рассылки</source>
            <translation>Mailing recipients</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Ожидает</source>
            <translation>Waiting</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Отправлено</source>
            <translation>Sent</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Доставлено</source>
            <translation>Delivered</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Пропущено</source>
            <translation>Skipped</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Прервано при отправке</source>
            <translation>Interrupted while sending</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Частей</source>
            <translation>Parts</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Стоимость</source>
            <translation>Cost</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Рекламный</source>
            <translation>Advertising</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <source>Дома</source>
            <translation>Buildings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Помещений</source>
            <translation>Premises</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Квартира</source>
            <translation>Flat</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Нежилое</source>
            <translation>Non-residential</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Жителей</source>
            <translation>Residents</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Холодная вода</source>
            <translation>Cold water</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Горячая вода</source>
            <translation>Hot water</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Электроэнергия (день)</source>
            <translation>Electricity (day)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Электроэнергия (ночь)</source>
            <translation>Electricity (night)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Тепло</source>
            <translation>Heat</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Газ</source>
            <translation>Gas</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Последнее показание</source>
            <translation>Last reading</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/forecast.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <source>Период</source>
            <translation>Period</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Счётчик</source>
            <translation>Meter</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Дата снятия</source>
            <translation>Reading date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Звонок</source>
            <translation>Call</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/report.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <source>Замечание</source>
            <translation>Remark</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Отключения и работы</source>
            <translation>Outages and works</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Текст уведомления</source>
            <translation>Notice text</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Новая</source>
            <translation>New</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Назначена</source>
            <translation>Assigned</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Закрыта</source>
            <translation>Closed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/report.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <source>Отклонена</source>
            <translation>Rejected</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Отложена</source>
            <translation>Postponed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Объект</source>
            <translation>Object</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Высокий</source>
            <translation>High</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Обычный</source>
            <translation>Normal</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Низкий</source>
            <translation>Low</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Электронная почта</source>
            <translation>E-mail</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Личный визит</source>
            <translation>Walk-in</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Сайт</source>
            <translation>Website</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Мессенджер</source>
            <translation>Messenger</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Срок, раб. дней</source>
            <translation>Deadline, working days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Срок, часов</source>
            <translation>Deadline, hours</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>равно</source>
            <translation>equals</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>не равно</source>
            <translation>not equal</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>содержит</source>
            <translation>contains</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>больше</source>
            <translation>greater than</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>больше или равно</source>
            <translation>greater than or equal</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>меньше</source>
            <translation>less than</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>меньше или равно</source>
            <translation>less than or equal</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>заполнено</source>
            <translation>is filled</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>давнее, дней</source>
            <translation>older than, days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Да</source>
            <translation>Yes</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <source>Нет</source>
            <translation>No</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <source>Просмотр чужих клиентов</source>
            <translation>View other managers' clients</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <source>Изменение чужих клиентов</source>
            <translation>Edit other managers' clients</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <source>Изменение своих клиентов</source>
            <translation>Edit own clients</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <source>Распределение клиентов и задач</source>
            <translation>Assign clients and tasks</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <source>Документы продаж</source>
            <translation>Sales documents</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <source>Регистрация обращений и взаимодействий</source>
            <translation>Record requests and interactions</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <source>Справочники: товары, группы, процессы</source>
            <translation>Catalogs: products, groups, processes</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <source>Отчёты по всем менеджерам</source>
            <translation>Reports on all managers</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <source>Заявки: регистрация и диспетчеризация всех заявок</source>
            <translation>Service requests: registering and dispatching all requests</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <source>Заявки: выполнение своих заявок</source>
            <translation>Service requests: doing one's own requests</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <source>Администратор</source>
            <translation>Administrator</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <source>Руководитель отдела продаж</source>
            <translation>Head of sales</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <source>Оператор</source>
            <translation>Operator</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <source>Диспетчер</source>
            <translation>Dispatcher</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>Выбор</source>
            <translation>Selection</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>Выставление счёта</source>
            <translation>Invoicing</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>Оплачен</source>
            <translation>Paid</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>Ожидание документов</source>
            <translation>Awaiting documents</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>Работа по договору</source>
            <translation>Contract in progress</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <source>Фамилия</source>
            <translation>Last name</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <source>Имя</source>
            <translation>First name</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <source>Отчество</source>
            <translation>Patronymic</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <source>Вид (организация / частное лицо)</source>
            <translation>Type (organization / individual)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <source>Группа</source>
            <translation>Group</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <source>Дата создания</source>
            <translation>Created on</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <source>Дата рождения</source>
            <translation>Date of birth</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <source>Согласие на рассылку (e-mail и SMS)</source>
            <translation>Consent to mailings (e-mail and SMS)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <source>Поле по подписи (Custom Field … Value)</source>
            <translation>Field by its label (Custom Field … Value)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/report.py" />
            <source>Предупреждение</source>
            <translation>Warning</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/report.py" />
            <source>Объединена</source>
            <translation>Merged</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/gross_profit.py" />
            <source>Выручка без НДС</source>
            <translation>Revenue excl. VAT</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/gross_profit.py" />
            <source>Рентабельность, %</source>
            <translation>Margin, %</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/gross_profit.py" />
            <source>Выручка и валовая прибыль</source>
            <translation>Revenue and gross profit</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/gross_profit.py" />
            <source>Выручка — сумма строк проведённых заказов без НДС; себестоимость — зафиксированная в строках заказа при продаже.</source>
            <translation>Revenue is the sum of the lines of posted orders excluding VAT; cost is the one recorded in the order lines at the time of sale.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/gross_profit.py" />
            <source>Заказ</source>
            <translation>Order</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/receivables.py" />
            <source>Срок не наступил</source>
            <translation>Not yet due</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/receivables.py" />
            <source>1–30 дн.</source>
            <translation>1–30 days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/receivables.py" />
            <source>31–60 дн.</source>
            <translation>31–60 days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/receivables.py" />
            <source>61–90 дн.</source>
            <translation>61–90 days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/receivables.py" />
            <source>Свыше 90 дн.</source>
            <translation>Over 90 days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/receivables.py" />
            <source>Выставлено</source>
            <translation>Invoiced</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/receivables.py" />
            <source>Оплачено</source>
            <translation>Paid</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/forecast.py" />
            <location filename="../../crmdesk/reports/receivables.py" />
            <source>в т.ч. просрочено</source>
            <translation>incl. overdue</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/receivables.py" />
            <source>Просрочка считается по сроку оплаты каждого счёта (дней после срока на дату отчёта); аванс — оплата сверх выставленных счетов.</source>
            <translation>Overdue amounts are counted from each invoice's due date (days past due as of the report date); an advance is payment in excess of the invoices issued.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/receivables.py" />
            <source>Задолженность по срокам</source>
            <translation>Debt by age</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/receivables.py" />
            <source>Крупнейшие должники</source>
            <translation>Largest debtors</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/forecast.py" />
            <source>«С учётом задержек» сдвигает каждую сумму на среднюю задержку оплаты клиента по истории его платежей.</source>
            <translation>“Allowing for delays” shifts each amount by the client's average payment delay, based on their payment history.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/forecast.py" />
            <source>По счетам</source>
            <translation>By invoices</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/forecast.py" />
            <source>По заказам</source>
            <translation>By orders</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/forecast.py" />
            <source>По плану</source>
            <translation>Planned</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/forecast.py" />
            <source>С учётом задержек</source>
            <translation>Allowing for delays</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/forecast.py" />
            <source>Поступления по плану и с учётом задержек</source>
            <translation>Receipts: planned and allowing for delays</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Товары</source>
            <translation>Products</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Месяцы</source>
            <translation>Months</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Дебиторская задолженность</source>
            <translation>Accounts receivable</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>По неделям</source>
            <translation>By weeks</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>По месяцам</source>
            <translation>By months</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Без группировки</source>
            <translation>No grouping</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Источники</source>
            <translation>Sources</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Категории</source>
            <translation>Categories</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Исполнители</source>
            <translation>Executors</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Не переданы показания</source>
            <translation>Readings not submitted</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Начало периода</source>
            <translation>Period start</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Конец периода</source>
            <translation>Period end</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Дата отчёта</source>
            <translation>Report date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Группировка</source>
            <translation>Grouping</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Периодичность</source>
            <translation>Periodicity</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Показывать клиентов без долга</source>
            <translation>Show clients without debt</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Акт выполненных работ (оказанных услуг)</source>
            <translation>Certificate of completed work (services)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Расходная накладная (ТОРГ-12)</source>
            <translation>Delivery note (TORG-12)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <source>Универсальный передаточный документ (УПД)</source>
            <translation>Universal transfer document (UPD)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/design.py" />
            <source>Макет</source>
            <translation>Layout</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/design.py" />
            <source>Цвет акцента</source>
            <translation>Accent color</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/design.py" />
            <source>Шрифт</source>
            <translation>Font</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/design.py" />
            <source>Печатать логотип</source>
            <translation>Print the logo</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/design.py" />
            <source>Вступление</source>
            <translation>Introduction</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/design.py" />
            <source>Условия (строка — пункт)</source>
            <translation>Terms (one item per line)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/design.py" />
            <source>Нижний колонтитул</source>
            <translation>Footer</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/design.py" />
            <source>Срок действия, дней</source>
            <translation>Valid for, days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/design.py" />
            <source>Фотографии товаров</source>
            <translation>Product photos</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/design.py" />
            <source>Классический</source>
            <translation>Classic</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/design.py" />
            <source>Современный</source>
            <translation>Modern</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/design.py" />
            <source>DejaVu Sans (рубленый)</source>
            <translation>DejaVu Sans (sans-serif)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/design.py" />
            <source>DejaVu Serif (с засечками)</source>
            <translation>DejaVu Serif (serif)</translation>
        </message>
    </context>
    <context>
        <name>LoginDialog</name>
        <message>
            <location filename="../../crmdesk/ui/shell/login.py" line="71" />
            <source>Вход в crmdesk</source>
            <translation>Sign in to crmdesk</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/login.py" line="101" />
            <source>Войти</source>
            <translation>Sign in</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/login.py" line="102" />
            <source>Отмена</source>
            <translation>Cancel</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/login.py" line="108" />
            <source>База данных:</source>
            <translation>Database:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/login.py" line="109" />
            <source>Пользователь:</source>
            <translation>User:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/login.py" line="110" />
            <source>Пароль:</source>
            <translation>Password:</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="324" />
            <source>Вид</source>
            <translation>View</translation>
        </message>
    </context>
    <context>
        <name>FirstStartWizard</name>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="94" />
            <source>Адрес не похож на адрес базы данных: «{0}».</source>
            <translation>This does not look like a database address: “{0}”.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="96" />
            <source>PostgreSQL {0}:{1}, база «{2}»</source>
            <translation>PostgreSQL {0}:{1}, database “{2}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="101" />
            <source>сервер не принимает подключения — проверьте, что PostgreSQL запущен и слушает этот порт</source>
            <translation>the server refuses connections — check that PostgreSQL is running and listening on this port</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="105" />
            <source>на сервере нет такой базы данных; создайте её или укажите другую</source>
            <translation>the server has no such database; create it or specify another one</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="107" />
            <source>на сервере нет пользователя «{0}»</source>
            <translation>the server has no user “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="109" />
            <source>неверное имя пользователя или пароль</source>
            <translation>wrong user name or password</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="111" />
            <source>сервер «{0}» не найден</source>
            <translation>server “{0}” not found</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="113" />
            <source>сервер не ответил за {0} с</source>
            <translation>the server did not answer within {0} s</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="116" />
            <source>Не удалось подключиться к {0}: {1}.</source>
            <translation>Could not connect to {0}: {1}.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="549" />
            <source>Первый запуск crmdesk</source>
            <translation>crmdesk first start</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="555" />
            <source>&lt; Назад</source>
            <translation>&lt; Back</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="556" />
            <source>Далее &gt;</source>
            <translation>Next &gt;</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="557" />
            <source>Готово</source>
            <translation>Finish</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="558" />
            <source>Отмена</source>
            <translation>Cancel</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="603" />
            <source>Создаётся база данных…</source>
            <translation>Creating the database…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="621" />
            <source>Демонстрационные данные: {0} из {1} клиентов</source>
            <translation>Demo data: {0} of {1} clients</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="637" />
            <source>База данных не создана: {0}</source>
            <translation>The database was not created: {0}</translation>
        </message>
    </context>
    <context>
        <name>DatabasePage</name>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="124" />
            <source>База данных</source>
            <translation>Database</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="125" />
            <source>Где хранить данные: в файле на этом компьютере или на сервере.</source>
            <translation>Where to keep the data: in a file on this computer or on a server.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="128" />
            <source>Файл на этом компьютере (SQLite)</source>
            <translation>A file on this computer (SQLite)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="129" />
            <source>Сервер PostgreSQL — для работы по сети</source>
            <translation>A PostgreSQL server — for working over the network</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="138" />
            <source>…</source>
            <translation>…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="139" />
            <source>Выбрать файл</source>
            <translation>Choose file</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="147" />
            <source>Подходит для одного компьютера; несколько окон crmdesk на нём работают вместе.</source>
            <translation>Suits a single computer; several crmdesk windows on it work together.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="154" />
            <source>postgresql://пользователь:пароль@сервер:5432/база</source>
            <translation>postgresql://user:password@server:5432/database</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="156" />
            <source>Проверить подключение</source>
            <translation>Test connection</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="209" />
            <source>Файл базы данных</source>
            <translation>Database file</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="211" />
            <source>База crmdesk (*.sqlite);;Все файлы (*)</source>
            <translation>crmdesk database (*.sqlite);;All files (*)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="227" />
            <source>Адрес сервера должен начинаться с «postgresql://», например {0}</source>
            <translation>The server address must start with “postgresql://”, for example {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="249" />
            <source>Эту базу создала более новая версия crmdesk (схема {0}); обновите программу.</source>
            <translation>This database was created by a newer version of crmdesk (schema {0}); please update the program.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="255" />
            <source>база пустая, crmdesk создаст в ней свои таблицы</source>
            <translation>the database is empty, crmdesk will create its tables in it</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="257" />
            <source>в базе уже есть данные crmdesk</source>
            <translation>the database already holds crmdesk data</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="259" />
            <source>в базе данные crmdesk в старой схеме, они будут обновлены</source>
            <translation>the database holds crmdesk data in an older schema; it will be upgraded</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="262" />
            <source>Подключение установлено: PostgreSQL {0}; {1}.</source>
            <translation>Connected: PostgreSQL {0}; {1}.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="274" />
            <source>«{0}» — это папка; укажите файл.</source>
            <translation>“{0}” is a folder; specify a file.</translation>
        </message>
    </context>
    <context>
        <name>OrganizationPage</name>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="283" />
            <location filename="../../crmdesk/ui/shell/wizard.py" line="302" />
            <source>Организация</source>
            <translation>Organization</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="305" />
            <source>Реквизиты попадут в счета и коммерческие предложения. Их можно заполнить позже.</source>
            <translation>The details will appear on invoices and commercial proposals. You can fill them in later.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="288" />
            <source>ООО «Ромашка»</source>
            <translation>Romashka LLC</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="289" />
            <source>10 или 12 цифр</source>
            <translation>10 or 12 digits</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="290" />
            <source>9 знаков</source>
            <translation>9 characters</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="291" />
            <source>13 или 15 цифр</source>
            <translation>13 or 15 digits</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="294" />
            <location filename="../../crmdesk/ui/shell/wizard.py" line="295" />
            <source>20 цифр</source>
            <translation>20 digits</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="296" />
            <location filename="../../crmdesk/ui/shell/wizard.py" line="297" />
            <source>Фамилия Имя Отчество</source>
            <translation>Surname First name Patronymic</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <location filename="../../crmdesk/ui/shell/wizard.py" line="284" />
            <source>Банк</source>
            <translation>Bank</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="285" />
            <source>Подписи и НДС</source>
            <translation>Signatures and VAT</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="228" />
            <source>postgresql://crm:пароль@server/crm</source>
            <translation>postgresql://crm:password@server/crm</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>Наименование</source>
            <translation>Name</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>Полное наименование</source>
            <translation>Full name</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>ИНН</source>
            <translation>INN (Tax ID)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>КПП</source>
            <translation>KPP</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>ОГРН</source>
            <translation>OGRN</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>Адрес</source>
            <translation>Address</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>Телефон</source>
            <translation>Phone</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>E-mail</source>
            <translation>E-mail</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>Город банка</source>
            <translation>Bank city</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>БИК</source>
            <translation>BIC</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>Корр. счёт</source>
            <translation>Correspondent account</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>Расчётный счёт</source>
            <translation>Bank account</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>Руководитель</source>
            <translation>Director</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>Главный бухгалтер</source>
            <translation>Chief accountant</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>НДС</source>
            <translation>VAT</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <source>Ставка НДС</source>
            <translation>VAT rate</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/money.py" />
            <source>Без НДС</source>
            <translation>No VAT</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/money.py" />
            <source>НДС в сумме</source>
            <translation>VAT included</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/money.py" />
            <source>НДС сверху</source>
            <translation>VAT on top</translation>
        </message>
    </context>
    <context>
        <name>AdminPage</name>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="405" />
            <location filename="../../crmdesk/ui/shell/wizard.py" line="410" />
            <source>Администратор</source>
            <translation>Administrator</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="407" />
            <source>Пользователь, который настраивает программу и заводит остальных.</source>
            <translation>The user who sets up the program and adds the other users.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="420" />
            <source>Пароль администратора обязателен. Входить без пароля можно разрешить потом в настройках (для офиса из одного человека).</source>
            <translation>The administrator's password is required. Signing in without a password can be allowed later in the settings (for a one-person office).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="426" />
            <source>Имя входа *:</source>
            <translation>Login *:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="427" />
            <source>ФИО:</source>
            <translation>Full name:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="428" />
            <source>Пароль *:</source>
            <translation>Password *:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="429" />
            <source>Пароль ещё раз *:</source>
            <translation>Password again *:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="442" />
            <source>Поле «Пароль» не заполнено.</source>
            <translation>The «Password» field is empty.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="446" />
            <source>Пароли не совпадают.</source>
            <translation>The passwords do not match.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="451" />
            <source>Имя входа не должно содержать пробелов.</source>
            <translation>The login must not contain spaces.</translation>
        </message>
    </context>
    <context>
        <name>DemoPage</name>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="488" />
            <source>Демонстрационные данные</source>
            <translation>Demo data</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="489" />
            <source>Всё готово к созданию базы.</source>
            <translation>Everything is ready to create the database.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="490" />
            <source>Заполнить базу демонстрационными данными</source>
            <translation>Fill the database with demo data</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="499" />
            <source>Клиентов:</source>
            <translation>Clients:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="504" />
            <source>Клиенты с контактами, сделки, документы, платежи и задачи за год, пять менеджеров с паролем «demo». Удобно, чтобы попробовать программу; для работы лучше начать с чистой базы.</source>
            <translation>Clients with contacts, deals, documents, payments and tasks for a year, five managers with the password “demo”. Handy for trying the program; for real work better start with a clean database.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/wizard.py" line="528" />
            <source>Нажмите «Готово», чтобы создать базу данных.

База данных: {0}
Организация: {1}
Администратор: {2}</source>
            <translation>Click “Finish” to create the database.

Database: {0}
Organization: {1}
Administrator: {2}</translation>
        </message>
    </context>
</TS>
