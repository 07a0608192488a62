<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="ru_RU">
    <context>
        <name>crmdesk</name>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="173" />
            <source>Организация: {0}</source>
            <translation>Organization: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="177" />
            <source>нет (счета печатаются без них)</source>
            <translation>none (invoices print without them)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="186" />
            <location filename="../../crmdesk/ui/forms/design.py" line="108" />
            <source>Картинки (*.png *.jpg *.jpeg)</source>
            <translation>Images (*.png *.jpg *.jpeg)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="254" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="293" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="127" />
            <source>Настройки</source>
            <translation>Settings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="323" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="374" />
            <source>Добавить файл</source>
            <translation>Add file</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/design.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="26" />
            <location filename="../../crmdesk/ui/forms/design.py" line="108" />
            <source>Логотип</source>
            <translation>Logo</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="27" />
            <source>Печать организации</source>
            <translation>Company stamp</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="28" />
            <source>Подпись руководителя</source>
            <translation>Director's signature</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="29" />
            <source>Подпись главного бухгалтера</source>
            <translation>Chief accountant's signature</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/money.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="32" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="17" />
            <source>НДС в сумме</source>
            <translation>VAT included</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/money.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="32" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="17" />
            <source>НДС сверху</source>
            <translation>VAT on top</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/money.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="32" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="17" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="330" />
            <source>Без НДС</source>
            <translation>No VAT</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="37" />
            <source>Пользователь (создание)</source>
            <translation>User (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="80" />
            <source>Роль (создание)</source>
            <translation>Role (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" />
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="106" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="126" />
            <source>Организация</source>
            <translation>Organization</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="242" />
            <source>RU — Россия</source>
            <translation>RU — Russia</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="242" />
            <source>BY — Беларусь</source>
            <translation>BY — Belarus</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="242" />
            <source>KZ — Казахстан</source>
            <translation>KZ — Kazakhstan</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="243" />
            <source>UZ — Узбекистан</source>
            <translation>UZ — Uzbekistan</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="243" />
            <source>KG — Киргизия</source>
            <translation>KG — Kyrgyzstan</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="243" />
            <source>TJ — Таджикистан</source>
            <translation>TJ — Tajikistan</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="244" />
            <source>AM — Армения</source>
            <translation>AM — Armenia</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="244" />
            <source>AZ — Азербайджан</source>
            <translation>AZ — Azerbaijan</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="244" />
            <source>GE — Грузия</source>
            <translation>GE — Georgia</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="245" />
            <source>MD — Молдова</source>
            <translation>MD — Moldova</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="245" />
            <source>TM — Туркмения</source>
            <translation>TM — Turkmenistan</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="245" />
            <source>UA — Украина</source>
            <translation>UA — Ukraine</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="246" />
            <source>DE — Германия</source>
            <translation>DE — Germany</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="246" />
            <source>TR — Турция</source>
            <translation>TR — Turkey</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="246" />
            <source>CN — Китай</source>
            <translation>CN — China</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="213" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="261" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="303" />
            <source>Регион телефонов по умолчанию</source>
            <translation>Default phone region</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="214" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="262" />
            <source>Срок оплаты счёта, дней</source>
            <translation>Invoice payment term, days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="215" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="263" />
            <source>Папка резервных копий</source>
            <translation>Backup folder</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="216" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="264" />
            <source>Копировать автоматически раз в день</source>
            <translation>Back up automatically once a day</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="217" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="265" />
            <source>Хранить ежедневных копий</source>
            <translation>Daily backups to keep</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="218" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="266" />
            <source>Хранить еженедельных копий</source>
            <translation>Weekly backups to keep</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="219" />
            <source>Язык интерфейса</source>
            <translation>Interface language</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="41" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="254" />
            <source>ФИО</source>
            <translation>Full name</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/records.py" line="199" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="42" />
            <source>Имя входа</source>
            <translation>Login</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="123" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/records.py" line="205" />
            <location filename="../../crmdesk/services/users.py" line="153" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="43" />
            <source>Роль</source>
            <translation>Role</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="44" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="256" />
            <source>Должность</source>
            <translation>Position</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/sms.py" line="74" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="45" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="116" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="67" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="258" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="36" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="253" />
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="346" />
            <source>Телефон</source>
            <translation>Phone</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="46" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="117" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="70" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="259" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="35" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="253" />
            <location filename="../../crmdesk/ui/forms/templates.py" line="98" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="282" />
            <source>Эл. почта</source>
            <translation>E-mail</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/records.py" line="210" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="47" />
            <source>Активен</source>
            <translation>Active</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="48" />
            <source>Новый пароль</source>
            <translation>New password</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" line="144" />
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/processes.py" line="194" />
            <location filename="../../crmdesk/services/processes.py" line="272" />
            <location filename="../../crmdesk/services/records.py" line="159" />
            <location filename="../../crmdesk/services/requestcatalog.py" line="43" />
            <location filename="../../crmdesk/services/requestcatalog.py" line="55" />
            <location filename="../../crmdesk/services/requestcatalog.py" line="74" />
            <location filename="../../crmdesk/services/templates.py" line="129" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="83" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="110" />
            <location filename="../../crmdesk/ui/forms/catalog.py" line="21" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="57" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="285" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="34" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="68" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="223" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="252" />
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="95" />
            <location filename="../../crmdesk/ui/forms/templates.py" line="40" />
            <source>Наименование</source>
            <translation>Name</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="111" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="59" />
            <source>Полное наименование</source>
            <translation>Full name</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/duplicates.py" line="88" />
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/validation.py" line="112" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="112" />
            <location filename="../../crmdesk/ui/forms/bank.py" line="40" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="60" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="252" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="282" />
            <source>ИНН</source>
            <translation>INN (Tax ID)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/validation.py" line="117" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="113" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="61" />
            <source>КПП</source>
            <translation>KPP</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/validation.py" line="123" />
            <location filename="../../crmdesk/services/validation.py" line="129" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="114" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="17" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="62" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="128" />
            <source>ОГРН</source>
            <translation>OGRN</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="80" />
            <location filename="../../crmdesk/services/housing.py" line="82" />
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="115" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="75" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="43" />
            <location filename="../../crmdesk/ui/forms/mailings.py" line="117" />
            <source>Адрес</source>
            <translation>Address</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="118" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="76" />
            <source>Банк</source>
            <translation>Bank</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="119" />
            <source>Город банка</source>
            <translation>Bank city</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="120" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="77" />
            <source>БИК</source>
            <translation>BIC</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="121" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="79" />
            <source>Корр. счёт</source>
            <translation>Correspondent account</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/bank.py" line="227" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="122" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="78" />
            <source>Расчётный счёт</source>
            <translation>Bank account</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="123" />
            <source>Руководитель</source>
            <translation>Director</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="124" />
            <source>Главный бухгалтер</source>
            <translation>Chief accountant</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="231" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/records.py" line="240" />
            <location filename="../../crmdesk/ui/forms/admin.py" line="125" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="41" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="40" />
            <source>НДС</source>
            <translation>VAT</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="126" />
            <location filename="../../crmdesk/ui/forms/catalog.py" line="27" />
            <source>Ставка НДС</source>
            <translation>VAT rate</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="127" />
            <source>Условия оплаты</source>
            <translation>Payment terms</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="128" />
            <source>Картинки на счетах</source>
            <translation>Pictures on invoices</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="145" />
            <source>Логотип…</source>
            <translation>Logo…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="146" />
            <source>Печать…</source>
            <translation>Stamp…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="147" />
            <source>Подпись руководителя…</source>
            <translation>Director's signature…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="149" />
            <source>Подпись главного бухгалтера…</source>
            <translation>Chief accountant's signature…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="151" />
            <source>Убрать картинки</source>
            <translation>Remove pictures</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="258" />
            <source>Разрешить вход без пароля</source>
            <translation>Allow signing in without a password</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="267" />
            <source>Язык интерфейса (со следующего запуска)</source>
            <translation>Interface language (from the next start)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="48" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="181" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="192" />
            <source>пусто — не менять</source>
            <translation>empty — keep the current one</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="259" />
            <source>пользователи без пароля входят с пустым паролем (офис на одного, демо-база)</source>
            <translation>users without a password sign in with an empty one (a one-person office, the demo database)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="263" />
            <source>пусто: рядом с файлом базы</source>
            <translation>empty: next to the database file</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/admin.py" line="311" />
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
            <location filename="../../crmdesk/services/calendar.py" line="145" />
            <location filename="../../crmdesk/services/contracts.py" line="54" />
            <location filename="../../crmdesk/services/housing.py" line="342" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/readings_io.py" line="117" />
            <location filename="../../crmdesk/ui/forms/bank.py" line="40" />
            <location filename="../../crmdesk/ui/forms/contracts.py" line="32" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="36" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="214" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="65" />
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="95" />
            <source>Дата</source>
            <translation>Date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="40" />
            <source>№ п/п</source>
            <translation>Doc. no.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="189" />
            <location filename="../../crmdesk/services/documents.py" line="337" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/bank.py" line="40" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="71" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="216" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="39" />
            <location filename="../../crmdesk/ui/generic/picker.py" line="31" />
            <source>Сумма</source>
            <translation>Amount</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/bank_load.py" line="71" />
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
            <location filename="../../crmdesk/services/bank_load.py" line="42" />
            <location filename="../../crmdesk/services/contracts.py" line="68" />
            <location filename="../../crmdesk/services/deals.py" line="137" />
            <location filename="../../crmdesk/services/documents.py" line="334" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/records.py" line="66" />
            <location filename="../../crmdesk/services/records.py" line="177" />
            <location filename="../../crmdesk/services/records.py" line="277" />
            <location filename="../../crmdesk/services/records.py" line="313" />
            <location filename="../../crmdesk/services/requestwork.py" line="98" />
            <location filename="../../crmdesk/services/setup.py" />
            <location filename="../../crmdesk/services/telephony.py" line="263" />
            <location filename="../../crmdesk/ui/forms/bank.py" line="41" />
            <location filename="../../crmdesk/ui/forms/bank.py" line="85" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="57" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="255" />
            <location filename="../../crmdesk/ui/forms/contracts.py" line="33" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="67" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="37" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="155" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="172" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="215" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="27" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="95" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="68" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="282" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="409" />
            <location filename="../../crmdesk/ui/shell/reminders.py" line="32" />
            <location filename="../../crmdesk/ui/shell/special.py" line="106" />
            <source>Клиент</source>
            <translation>Client</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/bank.py" line="41" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="105" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="44" />
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
            <location filename="../../crmdesk/ui/forms/housing.py" line="215" />
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
            <location filename="../../crmdesk/ui/shell/sections.py" line="65" />
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
            <location filename="../../crmdesk/ui/forms/calls.py" line="92" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="259" />
            <source>Позвонить</source>
            <translation>Call</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="44" />
            <source>Номер телефона:</source>
            <translation>Phone number:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="116" />
            <location filename="../../crmdesk/ui/forms/calls.py" line="137" />
            <location filename="../../crmdesk/ui/forms/calls.py" line="157" />
            <source>Телефония (АТС)</source>
            <translation>Telephony (PBX)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/calllistener.py" line="111" />
            <location filename="../../crmdesk/services/calllistener.py" line="161" />
            <location filename="../../crmdesk/services/telephony_setup.py" line="86" />
            <location filename="../../crmdesk/services/telephony_setup.py" line="90" />
            <location filename="../../crmdesk/ui/forms/calls.py" line="171" />
            <source>Внутренний номер</source>
            <translation>Extension</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="172" />
            <source>Внутренний номер пользователя {0} (пусто — нет):</source>
            <translation>Extension of user {0} (empty: none):</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="179" />
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
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/calls.py" line="83" />
            <source>Звонки</source>
            <translation>Calls</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/calls.py" line="84" />
            <source>Пропущенные звонки</source>
            <translation>Missed calls</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/telephony_setup.py" line="37" />
            <location filename="../../crmdesk/ui/forms/calls.py" line="118" />
            <source>Адрес АТС</source>
            <translation>PBX address</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="119" />
            <source>Порт AMI</source>
            <translation>AMI port</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/telephony_setup.py" line="45" />
            <location filename="../../crmdesk/ui/forms/calls.py" line="120" />
            <source>Пользователь AMI</source>
            <translation>AMI user</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="121" />
            <source>Пароль AMI</source>
            <translation>AMI password</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="122" />
            <source>Канал внутреннего номера</source>
            <translation>Extension channel</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="123" />
            <source>Контекст исходящих</source>
            <translation>Outgoing context</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="121" />
            <source>пусто: оставить прежний</source>
            <translation>empty: keep the current one</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="122" />
            <source>PJSIP/{ext} или SIP/{ext}</source>
            <translation>PJSIP/{ext} or SIP/{ext}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/calls.py" line="190" />
            <source>Внутренний номер…</source>
            <translation>Extension…</translation>
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
            <location filename="../../crmdesk/ui/forms/catalog.py" line="64" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="324" />
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
            <location filename="../../crmdesk/services/clients.py" line="147" />
            <location filename="../../crmdesk/services/interactions.py" line="34" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/records.py" line="311" />
            <location filename="../../crmdesk/services/records.py" line="441" />
            <location filename="../../crmdesk/ui/forms/catalog.py" line="23" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="58" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="66" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="101" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="93" />
            <source>Вид</source>
            <translation>Type</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/catalog.py" line="24" />
            <source>Ед. изм.</source>
            <translation>Unit</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="129" />
            <location filename="../../crmdesk/services/documents.py" line="346" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/catalog.py" line="25" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="36" />
            <location filename="../../crmdesk/ui/generic/picker.py" line="31" />
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
            <location filename="../../crmdesk/services/requests.py" line="168" />
            <location filename="../../crmdesk/services/requests.py" line="201" />
            <location filename="../../crmdesk/services/requests.py" line="383" />
            <location filename="../../crmdesk/ui/forms/catalog.py" line="28" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="34" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="81" />
            <source>Описание</source>
            <translation>Description</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/catalog.py" line="51" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="165" />
            <source>шт</source>
            <translation>pcs</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="52" />
            <source>Клиент (создание)</source>
            <translation>Client (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="250" />
            <source>Контактное лицо (создание)</source>
            <translation>Contact person (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="283" />
            <source>Группа клиентов (создание)</source>
            <translation>Client group (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="18" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="62" />
            <source>ОГРНИП</source>
            <translation>OGRNIP</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="23" />
            <source>Согласие на рассылку по эл. почте</source>
            <translation>Consent to e-mail mailings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="24" />
            <source>Согласие на рассылку SMS</source>
            <translation>Consent to SMS mailings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="25" />
            <source>Отказ от рассылок</source>
            <translation>Opted out of mailings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="26" />
            <source>Дата отказа</source>
            <translation>Opt-out date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="25" />
            <source>согласия снимаются, дата запоминается</source>
            <translation>consents are withdrawn, the date is kept</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="65" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="258" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="282" />
            <source>Телефоны</source>
            <translation>Phones</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" line="86" />
            <location filename="../../crmdesk/services/clients.py" line="95" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="71" />
            <source>Группы</source>
            <translation>Groups</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/reports/gross_profit.py" />
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/rights.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="72" />
            <location filename="../../crmdesk/ui/forms/contracts.py" line="39" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="70" />
            <location filename="../../crmdesk/ui/forms/reports.py" line="108" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="58" />
            <source>Менеджер</source>
            <translation>Manager</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/requests.py" line="304" />
            <location filename="../../crmdesk/services/requests.py" line="307" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="73" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="66" />
            <source>Статус</source>
            <translation>Status</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="74" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="76" />
            <source>Источник</source>
            <translation>Source</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="80" />
            <source>Интересующие товары</source>
            <translation>Products of interest</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="81" />
            <source>Предпочтения</source>
            <translation>Preferences</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/requests.py" line="317" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="82" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="260" />
            <location filename="../../crmdesk/ui/forms/contracts.py" line="41" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="43" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="221" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="39" />
            <source>Комментарий</source>
            <translation>Comment</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="100" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="53" />
            <source>Контактные лица</source>
            <translation>Contact persons</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="101" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="48" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="43" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="54" />
            <source>Взаимодействия</source>
            <translation>Interactions</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="102" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="68" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="66" />
            <source>Сделки</source>
            <translation>Deals</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="103" />
            <source>Предложения</source>
            <translation>Proposals</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="104" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="43" />
            <source>Заказы</source>
            <translation>Orders</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="106" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="45" />
            <source>Оплаты</source>
            <translation>Payments</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="107" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="46" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="75" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="92" />
            <source>Договоры</source>
            <translation>Contracts</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="108" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="47" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="41" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="56" />
            <source>Задачи</source>
            <translation>Tasks</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="111" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="55" />
            <source>Записать звонок</source>
            <translation>Record a call</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/tasks.py" line="27" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="112" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="53" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="25" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="34" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="36" />
            <location filename="../../crmdesk/ui/shell/reminders.py" line="32" />
            <source>Задача</source>
            <translation>Task</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/documents.py" />
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="113" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="54" />
            <source>Коммерческое предложение</source>
            <translation>Commercial proposal</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/records.py" line="188" />
            <location filename="../../crmdesk/ui/forms/clients.py" line="257" />
            <source>День рождения</source>
            <translation>Birthday</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="68" />
            <source>по одному в строке, в любом виде: 8 912 345-67-89 доб. 12</source>
            <translation>one per line, in any form: 8 912 345-67-89 ext. 12</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="70" />
            <source>по одному в строке</source>
            <translation>one per line</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="344" />
            <source>Загрузить из файла…</source>
            <translation>Import from file…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="345" />
            <source>Выгрузить клиентов…</source>
            <translation>Export clients…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/clients.py" line="346" />
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
            <location filename="../../crmdesk/services/calllistener.py" line="116" />
            <location filename="../../crmdesk/services/calllistener.py" line="159" />
            <location filename="../../crmdesk/services/contracts.py" line="49" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/telephony.py" line="424" />
            <location filename="../../crmdesk/ui/forms/contracts.py" line="31" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="35" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="213" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="65" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="64" />
            <source>Номер</source>
            <translation>Number</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/contracts.py" line="71" />
            <location filename="../../crmdesk/services/deals.py" line="229" />
            <location filename="../../crmdesk/services/interactions.py" line="65" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/contracts.py" line="34" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="66" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="25" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="28" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="97" />
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
            <location filename="../../crmdesk/services/contracts.py" line="56" />
            <location filename="../../crmdesk/ui/forms/contracts.py" line="37" />
            <source>Окончание действия</source>
            <translation>Valid until</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/contracts.py" line="61" />
            <location filename="../../crmdesk/services/contracts.py" line="63" />
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
            <location filename="../../crmdesk/ui/forms/deals.py" line="128" />
            <source>Правил на это событие нет</source>
            <translation>No rules for this event</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/setup.py" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="211" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="32" />
            <location filename="../../crmdesk/ui/forms/templates.py" line="100" />
            <source>Отказ</source>
            <translation>Refusal</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="221" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="103" />
            <source>Причина отказа:</source>
            <translation>Reason for refusal:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="243" />
            <source>С этого этапа переходов нет</source>
            <translation>There are no transitions from this stage</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="246" />
            <source>Перевести на этап</source>
            <translation>Move to stage</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="246" />
            <source>Этап:</source>
            <translation>Stage:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="29" />
            <source>Сделка (создание)</source>
            <translation>Deal (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="42" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="71" />
            <source>Коммерческие предложения</source>
            <translation>Commercial proposals</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="51" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="269" />
            <source>Перевести на этап…</source>
            <translation>Move to stage…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="52" />
            <source>Записать взаимодействие</source>
            <translation>Record an interaction</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/documents.py" />
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="55" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="189" />
            <source>Заказ клиента</source>
            <translation>Customer order</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/documents.py" />
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="56" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="189" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="197" />
            <source>Счёт на оплату</source>
            <translation>Invoice</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="57" />
            <source>Документы получены</source>
            <translation>Documents received</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="68" />
            <source>Процесс</source>
            <translation>Process</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/deals.py" line="149" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/processes.py" line="222" />
            <location filename="../../crmdesk/services/processes.py" line="285" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="69" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="32" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="34" />
            <source>Этап</source>
            <translation>Stage</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/processes.py" line="229" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="72" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="73" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="32" />
            <source>Вероятность, %</source>
            <translation>Probability, %</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="74" />
            <source>Закрытие (ожид.)</source>
            <translation>Closing (expected)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="77" />
            <source>Окончание договора</source>
            <translation>Contract end</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/deals.py" line="216" />
            <location filename="../../crmdesk/services/leads.py" line="155" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/deals.py" line="78" />
            <source>Причина отказа</source>
            <translation>Reason for refusal</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="71" />
            <source>пусто — по документам сделки</source>
            <translation>empty — from the deal's documents</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="72" />
            <source>пусто — по этапу</source>
            <translation>empty — by the stage</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/deals.py" line="75" />
            <source>Ожидаемая дата закрытия</source>
            <translation>Expected close date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="27" />
            <location filename="../../crmdesk/ui/forms/design.py" line="69" />
            <source>Оформление коммерческого предложения</source>
            <translation>Commercial proposal design</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="73" />
            <source>свой логотип, {0} КБ</source>
            <translation>own logo, {0} KB</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="74" />
            <source>логотип организации (из её реквизитов)</source>
            <translation>the organization's logo (from its details)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="99" />
            <source>Образец предложения</source>
            <translation>Sample proposal</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="51" />
            <source>Предварительный просмотр</source>
            <translation>Preview</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="53" />
            <source>Загрузить логотип…</source>
            <translation>Load logo…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="54" />
            <source>Убрать логотип</source>
            <translation>Remove logo</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="55" />
            <source>Вернуть исходное оформление</source>
            <translation>Restore the default design</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/design.py" line="39" />
            <source>пусто: название, телефон и эл. почта организации</source>
            <translation>empty: the organization's name, phone and e-mail</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="145" />
            <source>{0} {1} от {2}</source>
            <translation>{0} {1} dated {2}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="147" />
            <source> (проведён)</source>
            <translation> (posted)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="149" />
            <source> (помечен на удаление)</source>
            <translation> (marked for deletion)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="18" />
            <source>Безналичные</source>
            <translation>Bank transfer</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="18" />
            <source>Наличные</source>
            <translation>Cash</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/contracts.py" line="123" />
            <location filename="../../crmdesk/services/contracts.py" line="179" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="22" />
            <source>Договор</source>
            <translation>Contract</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="187" />
            <source>Коммерческое предложение (создание)</source>
            <translation>Commercial proposal (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="194" />
            <source>Заказ клиента (создание)</source>
            <translation>Customer order (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="202" />
            <source>Счёт на оплату (создание)</source>
            <translation>Invoice (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="210" />
            <source>Поступление оплаты (создание)</source>
            <translation>Payment (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" line="167" />
            <location filename="../../crmdesk/services/imports/columns.py" />
            <location filename="../../crmdesk/services/interactions.py" line="80" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="26" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="29" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="98" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="52" />
            <source>Контактное лицо</source>
            <translation>Contact person</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="27" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="38" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="99" />
            <source>Ответственный</source>
            <translation>Responsible</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="188" />
            <source>Действует до</source>
            <translation>Valid until</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="195" />
            <source>Оплата по плану</source>
            <translation>Planned payment date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="203" />
            <source>Оплатить до</source>
            <translation>Due date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="509" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="42" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="220" />
            <source>Основание</source>
            <translation>Based on</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/documents.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="205" />
            <source>Поступление оплаты</source>
            <translation>Payment</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="233" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="217" />
            <source>Способ оплаты</source>
            <translation>Payment method</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="278" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="127" />
            <source>Вид документа</source>
            <translation>Document type</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/attachments.py" line="40" />
            <location filename="../../crmdesk/services/bank_load.py" line="42" />
            <location filename="../../crmdesk/services/calllistener.py" line="116" />
            <location filename="../../crmdesk/services/calllistener.py" line="159" />
            <location filename="../../crmdesk/services/clients.py" line="144" />
            <location filename="../../crmdesk/services/contracts.py" line="49" />
            <location filename="../../crmdesk/services/contracts.py" line="54" />
            <location filename="../../crmdesk/services/contracts.py" line="68" />
            <location filename="../../crmdesk/services/contracts.py" line="156" />
            <location filename="../../crmdesk/services/deals.py" line="83" />
            <location filename="../../crmdesk/services/deals.py" line="137" />
            <location filename="../../crmdesk/services/deals.py" line="141" />
            <location filename="../../crmdesk/services/deals.py" line="216" />
            <location filename="../../crmdesk/services/documents.py" line="129" />
            <location filename="../../crmdesk/services/documents.py" line="135" />
            <location filename="../../crmdesk/services/errors.py" line="10" />
            <location filename="../../crmdesk/services/housing.py" line="80" />
            <location filename="../../crmdesk/services/housing.py" line="97" />
            <location filename="../../crmdesk/services/housing.py" line="147" />
            <location filename="../../crmdesk/services/housing.py" line="185" />
            <location filename="../../crmdesk/services/housing.py" line="431" />
            <location filename="../../crmdesk/services/housing.py" line="434" />
            <location filename="../../crmdesk/services/interactions.py" line="37" />
            <location filename="../../crmdesk/services/leads.py" line="155" />
            <location filename="../../crmdesk/services/limits.py" line="103" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/mail.py" line="105" />
            <location filename="../../crmdesk/services/mail.py" line="279" />
            <location filename="../../crmdesk/services/mail.py" line="281" />
            <location filename="../../crmdesk/services/processes.py" line="194" />
            <location filename="../../crmdesk/services/processes.py" line="222" />
            <location filename="../../crmdesk/services/processes.py" line="272" />
            <location filename="../../crmdesk/services/processes.py" line="279" />
            <location filename="../../crmdesk/services/processes.py" line="285" />
            <location filename="../../crmdesk/services/processes.py" line="292" />
            <location filename="../../crmdesk/services/readings_io.py" line="144" />
            <location filename="../../crmdesk/services/records.py" line="66" />
            <location filename="../../crmdesk/services/records.py" line="74" />
            <location filename="../../crmdesk/services/records.py" line="313" />
            <location filename="../../crmdesk/services/records.py" line="441" />
            <location filename="../../crmdesk/services/requestcatalog.py" line="43" />
            <location filename="../../crmdesk/services/requestcatalog.py" line="74" />
            <location filename="../../crmdesk/services/requests.py" line="168" />
            <location filename="../../crmdesk/services/requests.py" line="201" />
            <location filename="../../crmdesk/services/requests.py" line="319" />
            <location filename="../../crmdesk/services/requests.py" line="336" />
            <location filename="../../crmdesk/services/requests.py" line="383" />
            <location filename="../../crmdesk/services/requestwork.py" line="36" />
            <location filename="../../crmdesk/services/requestwork.py" line="60" />
            <location filename="../../crmdesk/services/requestwork.py" line="100" />
            <location filename="../../crmdesk/services/setup.py" line="153" />
            <location filename="../../crmdesk/services/sms.py" line="74" />
            <location filename="../../crmdesk/services/sms.py" line="93" />
            <location filename="../../crmdesk/services/tasks.py" line="27" />
            <location filename="../../crmdesk/services/telephony.py" line="260" />
            <location filename="../../crmdesk/services/telephony.py" line="424" />
            <location filename="../../crmdesk/services/telephony_setup.py" line="37" />
            <location filename="../../crmdesk/services/telephony_setup.py" line="45" />
            <location filename="../../crmdesk/services/templates.py" line="129" />
            <location filename="../../crmdesk/services/templates.py" line="134" />
            <location filename="../../crmdesk/services/users.py" line="148" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="155" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="68" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="236" />
            <source>не заполнено</source>
            <translation>is empty</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/documents.py" line="38" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="30" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="79" />
            <location filename="../../crmdesk/ui/shell/reminders.py" line="32" />
            <source>Срок</source>
            <translation>Deadline</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="172" />
            <source>у записанного документа клиента не меняют: создайте новый документ</source>
            <translation>the client of a saved document cannot be changed: create a new document</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="249" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="206" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="32" />
            <source>Провести</source>
            <translation>Post</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/documents.py" line="250" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="207" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="33" />
            <source>Отмена проведения</source>
            <translation>Unpost</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="294" />
            <location filename="../../crmdesk/services/housing.py" line="299" />
            <location filename="../../crmdesk/services/housing.py" line="346" />
            <location filename="../../crmdesk/services/housing.py" line="406" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="126" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="282" />
            <source>Показание</source>
            <translation>Reading</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="127" />
            <source>Показание на сегодня ({0}):</source>
            <translation>Reading for today ({0}):</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="134" />
            <source>Показание записано</source>
            <translation>Reading written</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="164" />
            <source>Разослать жителям</source>
            <translation>Send to residents</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="164" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="70" />
            <location filename="../../crmdesk/ui/forms/mailings.py" line="96" />
            <source>Шаблон:</source>
            <translation>Template:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="211" />
            <source>Загрузка показаний счётчиков</source>
            <translation>Loading meter readings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="214" />
            <source>Выбрать файл…</source>
            <translation>Choose a file…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="216" />
            <source>Сохранить отчёт…</source>
            <translation>Save the report…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="220" />
            <source>Файл XLSX или CSV, первая строка — заголовок: «Заводской номер», «Показание», «Дата», «Вид счётчика».</source>
            <translation>An XLSX or CSV file, the first row a header: «Заводской номер», «Показание», «Дата», «Вид счётчика».</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="234" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="287" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="415" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="416" />
            <source>Показания счётчиков</source>
            <translation>Meter readings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="244" />
            <source>Проверка файла {0} (ничего не записано)</source>
            <translation>Checking file {0} (nothing written)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="253" />
            <source>Загружено из файла {0}</source>
            <translation>Loaded from file {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="257" />
            <source>Загружается: {0}, из них проверить {1}; отклонено: {2}.</source>
            <translation>To load: {0}, of them to check {1}; rejected: {2}.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="265" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="405" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="427" />
            <source>Отчёт о загрузке</source>
            <translation>Import report</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="296" />
            <location filename="../../crmdesk/ui/forms/monitor.py" line="80" />
            <source>нет</source>
            <translation>none</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="309" />
            <location filename="../../crmdesk/ui/forms/merge.py" line="75" />
            <location filename="../../crmdesk/ui/forms/plans.py" line="45" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="97" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="205" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="32" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="131" />
            <source>Записать</source>
            <translation>Save</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="312" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="77" />
            <location filename="../../crmdesk/ui/forms/mail.py" line="309" />
            <location filename="../../crmdesk/ui/forms/merge.py" line="77" />
            <location filename="../../crmdesk/ui/generic/picker.py" line="97" />
            <source>Отмена</source>
            <translation>Cancel</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="341" />
            <source>Показания записаны</source>
            <translation>Readings saved</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="41" />
            <source>Дом (создание)</source>
            <translation>Building (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="61" />
            <source>Помещение (создание)</source>
            <translation>Premises (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="97" />
            <source>Счётчик (создание)</source>
            <translation>Meter (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="141" />
            <source>Отключение (создание)</source>
            <translation>Outage (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="116" />
            <location filename="../../crmdesk/services/housing.py" line="142" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="100" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="282" />
            <source>Помещение</source>
            <translation>Premises</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="336" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="282" />
            <source>Счётчик</source>
            <translation>Meter</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="147" />
            <location filename="../../crmdesk/services/housing.py" line="149" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/readings_io.py" line="144" />
            <location filename="../../crmdesk/services/readings_io.py" line="147" />
            <location filename="../../crmdesk/services/readings_io.py" line="152" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="102" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="282" />
            <source>Заводской номер</source>
            <translation>Serial number</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="282" />
            <source>Предыдущее</source>
            <translation>Previous</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="43" />
            <source>Примечание</source>
            <translation>Note</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="45" />
            <source>Помещения</source>
            <translation>Premises</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="94" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="64" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="147" />
            <source>Дом</source>
            <translation>Building</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="67" />
            <source>Площадь, м²</source>
            <translation>Area, m²</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="68" />
            <source>Жители</source>
            <translation>Residents</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="71" />
            <source>Счётчики</source>
            <translation>Meters</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="71" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="387" />
            <source>Заявки</source>
            <translation>Service requests</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="79" />
            <source>собственник</source>
            <translation>owner</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="79" />
            <source>наниматель</source>
            <translation>tenant</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="103" />
            <source>Поверка до</source>
            <translation>Verified until</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="106" />
            <source>Показания</source>
            <translation>Readings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="107" />
            <source>Внести показание…</source>
            <translation>Enter a reading…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="431" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="144" />
            <source>Что отключается</source>
            <translation>What is cut off</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="145" />
            <source>Начало</source>
            <translation>Start</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="436" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/housing.py" line="146" />
            <source>Окончание</source>
            <translation>End</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="148" />
            <source>Текст уведомления жителям</source>
            <translation>Notice text for residents</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="151" />
            <source>Разослать жителям…</source>
            <translation>Send to residents…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="235" />
            <source>Таблицы (*.xlsx *.csv);;Все файлы (*)</source>
            <translation>Spreadsheets (*.xlsx *.csv);;All files (*)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="265" />
            <source>загрузка.xlsx</source>
            <translation>load.xlsx</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="400" />
            <source>ЖКХ: Дома</source>
            <translation>Housing: Buildings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="401" />
            <source>ЖКХ: Помещения</source>
            <translation>Housing: Premises</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="402" />
            <source>ЖКХ: Счётчики</source>
            <translation>Housing: Meters</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="403" />
            <source>ЖКХ: Показания счётчиков</source>
            <translation>Housing: Meter readings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="404" />
            <source>ЖКХ: Загрузить показания из файла…</source>
            <translation>Housing: Load meter readings from a file…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="406" />
            <source>ЖКХ: Отключения и работы</source>
            <translation>Housing: Outages and works</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="407" />
            <source>ЖКХ: Не переданы показания</source>
            <translation>Housing: Readings not submitted</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/housing.py" line="162" />
            <source>Нет шаблонов сообщений: создайте шаблон SMS или письма с текстом уведомления («Шаблоны писем и SMS»).</source>
            <translation>No message templates: create an SMS or letter template with the notice text («Letter and SMS templates»).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/leads.py" line="103" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="99" />
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
            <location filename="../../crmdesk/services/calllistener.py" line="157" />
            <location filename="../../crmdesk/services/leads.py" line="112" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/leads.py" line="37" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="33" />
            <location filename="../../crmdesk/ui/generic/structure.py" line="23" />
            <source>Состояние</source>
            <translation>State</translation>
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
            <location filename="../../crmdesk/ui/forms/leads.py" line="236" />
            <source>Потенциальные клиенты</source>
            <translation>Leads</translation>
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
            <location filename="../../crmdesk/ui/forms/mail.py" line="420" />
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
            <location filename="../../crmdesk/ui/forms/mail.py" line="419" />
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
            <location filename="../../crmdesk/services/sms.py" line="38" />
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
            <location filename="../../crmdesk/ui/forms/mailings.py" line="285" />
            <source>Рассылки</source>
            <translation>Mailings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/mailings.py" line="286" />
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
            <location filename="../../crmdesk/ui/forms/requests.py" line="287" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="221" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="136" />
            <location filename="../../crmdesk/ui/shell/reminders.py" line="124" />
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
            <location filename="../../crmdesk/ui/shell/sections.py" line="93" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="106" />
            <source>Задолженность клиентов</source>
            <translation>Accounts receivable</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/monitor.py" line="76" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="63" />
            <source>просрочено</source>
            <translation>overdue</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/monitor.py" line="82" />
            <source>Просроченные задачи</source>
            <translation>Overdue tasks</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/planning.py" line="58" />
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
            <location filename="../../crmdesk/ui/forms/planning.py" line="90" />
            <source>Взаимодействие (создание)</source>
            <translation>Interaction (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/records.py" line="267" />
            <location filename="../../crmdesk/services/requestcatalog.py" line="50" />
            <location filename="../../crmdesk/services/requests.py" line="315" />
            <location filename="../../crmdesk/services/requests.py" line="334" />
            <location filename="../../crmdesk/services/requests.py" line="336" />
            <location filename="../../crmdesk/services/requests.py" line="338" />
            <location filename="../../crmdesk/services/rights.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="26" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="77" />
            <source>Исполнитель</source>
            <translation>Assignee</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="31" />
            <source>Напомнить</source>
            <translation>Remind at</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/records.py" line="269" />
            <location filename="../../crmdesk/services/requests.py" line="194" />
            <location filename="../../crmdesk/services/requests.py" line="385" />
            <location filename="../../crmdesk/services/tasks.py" line="39" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="32" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="75" />
            <source>Важность</source>
            <translation>Priority</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/crm.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="44" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="153" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="41" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="96" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="286" />
            <source>Выполнена</source>
            <translation>Done</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="94" />
            <source>Когда</source>
            <translation>When</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/planning.py" line="96" />
            <source>Длительность, мин</source>
            <translation>Duration, min</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/interactions.py" line="37" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="100" />
            <source>Суть</source>
            <translation>Summary</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="101" />
            <source>Договорились</source>
            <translation>Agreed next step</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/calllistener.py" line="163" />
            <location filename="../../crmdesk/services/interactions.py" line="39" />
            <location filename="../../crmdesk/ui/forms/planning.py" line="96" />
            <source>Длительность</source>
            <translation>Duration</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/plans.py" line="36" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="70" />
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
            <location filename="../../crmdesk/ui/forms/processes.py" line="60" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="69" />
            <source>Процессы и правила</source>
            <translation>Processes and rules</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="66" />
            <source>Добавить процесс</source>
            <translation>Add a process</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="72" />
            <source>Основной (новые сделки)</source>
            <translation>Main (new deals)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="80" />
            <source>Одна причина в строке</source>
            <translation>One reason per line</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="87" />
            <source>Этапы</source>
            <translation>Stages</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/processes.py" line="259" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="88" />
            <source>Переходы</source>
            <translation>Transitions</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="89" />
            <source>Причины отказа</source>
            <translation>Refusal reasons</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="90" />
            <source>Правила</source>
            <translation>Rules</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="101" />
            <source>Наименование:</source>
            <translation>Name:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="137" />
            <source>Добавить правило</source>
            <translation>Add a rule</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="126" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="139" />
            <source>Удалить</source>
            <translation>Delete</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="334" />
            <source>Записано: процесс «{0}»</source>
            <translation>Written: process «{0}»</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="367" />
            <source>Новый процесс</source>
            <translation>New process</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/processes.py" line="225" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="32" />
            <source>Код</source>
            <translation>Code</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/processes.py" line="184" />
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
            <location filename="../../crmdesk/ui/forms/processes.py" line="34" />
            <source>Правило</source>
            <translation>Rule</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/processes.py" line="274" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="34" />
            <source>Событие</source>
            <translation>Event</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/processes.py" line="279" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="34" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="350" />
            <source>Дней</source>
            <translation>Days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/processes.py" line="276" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="34" />
            <source>Действие</source>
            <translation>Action</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/mailings.py" line="54" />
            <location filename="../../crmdesk/services/processes.py" line="292" />
            <location filename="../../crmdesk/services/processes.py" line="294" />
            <location filename="../../crmdesk/services/templates.py" line="154" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="34" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="36" />
            <source>Шаблон</source>
            <translation>Template</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="35" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="36" />
            <source>Активно</source>
            <translation>Active</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="126" />
            <source>Добавить этап</source>
            <translation>Add a stage</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="127" />
            <source>Выше</source>
            <translation>Up</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="128" />
            <source>Ниже</source>
            <translation>Down</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/setup.py" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="368" />
            <location filename="../../crmdesk/ui/forms/transfer.py" line="47" />
            <source>Новый</source>
            <translation>New</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/processes.py" line="368" />
            <source>В работе</source>
            <translation>In progress</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/processes.py" line="368" />
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
            <location filename="../../crmdesk/ui/forms/reports.py" line="338" />
            <source>Сохранить отчёт</source>
            <translation>Save report</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/reports.py" line="347" />
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
            <location filename="../../crmdesk/ui/forms/requests.py" line="334" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="389" />
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
            <location filename="../../crmdesk/ui/forms/requests.py" line="220" />
            <source>Категория заявок (создание)</source>
            <translation>Request category (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="250" />
            <source>Подрядчик (создание)</source>
            <translation>Contractor (new)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="346" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="390" />
            <source>Заявки: доска</source>
            <translation>Service requests: board</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/mailings.py" line="52" />
            <location filename="../../crmdesk/services/requests.py" line="171" />
            <location filename="../../crmdesk/services/requests.py" line="387" />
            <location filename="../../crmdesk/services/templates.py" line="132" />
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
            <source>Эл. почта заявителя</source>
            <translation>Applicant's e-mail</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="72" />
            <source>Объект (адрес)</source>
            <translation>Site (address)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="73" />
            <source>Помещение (ЖКХ)</source>
            <translation>Premises (housing)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/requestcatalog.py" line="59" />
            <location filename="../../crmdesk/services/requests.py" line="131" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="74" />
            <source>Категория</source>
            <translation>Category</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/requestwork.py" line="96" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="76" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="228" />
            <source>Платная</source>
            <translation>Paid</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="78" />
            <source>Плановая дата</source>
            <translation>Planned date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="319" />
            <location filename="../../crmdesk/services/requestwork.py" line="36" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="82" />
            <source>Что сделано</source>
            <translation>What was done</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="95" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="285" />
            <source>В работу</source>
            <translation>Start work</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="97" />
            <source>Закрыть заявку</source>
            <translation>Close the request</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/tasks.py" line="131" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="98" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="288" />
            <location filename="../../crmdesk/ui/shell/reminders.py" line="120" />
            <source>Отложить</source>
            <translation>Postpone</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="100" />
            <source>Создать на основании: Заказ клиента</source>
            <translation>Create based on: Sales order</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="101" />
            <source>Печать: Акт выполненных работ</source>
            <translation>Print: Certificate of completion</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="205" />
            <source>Акт выполненных работ</source>
            <translation>Certificate of completion</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="224" />
            <source>Срок, рабочих дней</source>
            <translation>Term, working days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="225" />
            <source>Срок, часов (аварийные)</source>
            <translation>Term, hours (emergency)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="226" />
            <source>Исполнитель по умолчанию</source>
            <translation>Default executor</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="227" />
            <source>Подрядчик по умолчанию</source>
            <translation>Default contractor</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="320" />
            <source>Отключения: </source>
            <translation>Outages: </translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="393" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="395" />
            <source>Анализ заявок</source>
            <translation>Service requests analysis</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="80" />
            <source>по категории: её срок в рабочих днях по производственному календарю</source>
            <translation>by category: its term in working days by the production calendar</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="271" />
            <source>Недостаточно прав: пометку на удаление ставит диспетчер.</source>
            <translation>Insufficient rights: the dispatcher marks for deletion.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="361" />
            <source>Заявку по письму регистрируют из входящего письма: выберите его.</source>
            <translation>A request from a letter is registered from the incoming letter: choose it.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="374" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="376" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="120" />
            <source>Зарегистрировать заявку</source>
            <translation>Register a request</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="386" />
            <source>Обслуживание</source>
            <translation>Service</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/services/requests.py" line="188" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="68" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="69" />
            <source>Заявитель</source>
            <translation>Applicant</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="306" />
            <source>не назначен</source>
            <translation>not assigned</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/requests.py" line="388" />
            <source>Заявка: создать</source>
            <translation>Service request: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="391" />
            <source>Категории заявок</source>
            <translation>Request categories</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/requests.py" line="392" />
            <source>Подрядчики</source>
            <translation>Contractors</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="44" />
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="65" />
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="234" />
            <source>Настройки обслуживания</source>
            <translation>Service settings</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/calendar.py" line="82" />
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="82" />
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="236" />
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="239" />
            <source>Производственный календарь</source>
            <translation>Production calendar</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="86" />
            <source>Год: </source>
            <translation>Year: </translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/calendar.py" line="147" />
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="95" />
            <source>Вид дня</source>
            <translation>Kind of day</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="108" />
            <source>Сделать выходным…</source>
            <translation>Make a day off…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="109" />
            <source>Сделать рабочим</source>
            <translation>Make a working day</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/calendar.py" />
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="110" />
            <source>По дню недели</source>
            <translation>By the day of the week</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="117" />
            <source>Календарь меняет администратор</source>
            <translation>The administrator changes the calendar</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="157" />
            <source>Рабочих дней: {0}, выходных и праздничных: {1}</source>
            <translation>Working days: {0}, days off and holidays: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="171" />
            <source>Изменено администратором</source>
            <translation>Changed by the administrator</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="201" />
            <source>рабочий день</source>
            <translation>working day</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="35" />
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="201" />
            <source>выходной</source>
            <translation>day off</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="210" />
            <source>Выходной день</source>
            <translation>Day off</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="211" />
            <source>Наименование (праздник, перенос):</source>
            <translation>Name (holiday, transfer):</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="34" />
            <source>пн</source>
            <translation>Mon</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="34" />
            <source>вт</source>
            <translation>Tue</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="34" />
            <source>ср</source>
            <translation>Wed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="34" />
            <source>чт</source>
            <translation>Thu</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="34" />
            <source>пт</source>
            <translation>Fri</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="34" />
            <source>сб</source>
            <translation>Sat</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="34" />
            <source>вс</source>
            <translation>Sun</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="35" />
            <source>рабочий</source>
            <translation>working</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="35" />
            <source>по дню недели</source>
            <translation>by the day of the week</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="49" />
            <source>дома, помещения, жители, счётчики и показания, отключения</source>
            <translation>houses, premises, residents, meters and readings, outages</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="51" />
            <source>при регистрации и выполнении заявки, если известен телефон</source>
            <translation>on registration and completion of a request, when the phone is known</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/forms/service_admin.py" line="54" />
            <source>если известен адрес; заявку из письма — письмом</source>
            <translation>when the address is known; a request from a letter is answered by letter</translation>
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
            <location filename="../../crmdesk/services/mail.py" line="281" />
            <location filename="../../crmdesk/ui/forms/templates.py" line="46" />
            <source>Тема</source>
            <translation>Subject</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/sms.py" line="93" />
            <location filename="../../crmdesk/services/templates.py" line="134" />
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
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/forms/templates.py" line="150" />
            <source>Шаблоны писем и SMS</source>
            <translation>Letter and SMS templates</translation>
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
            <location filename="../../crmdesk/services/bank.py" line="108" />
            <location filename="../../crmdesk/services/bank_load.py" line="37" />
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
            <location filename="../../crmdesk/services/lists.py" line="155" />
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
            <location filename="../../crmdesk/ui/shell/sections.py" line="132" />
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
            <location filename="../../crmdesk/ui/generic/objectform.py" line="453" />
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
            <location filename="../../crmdesk/services/contracts.py" line="63" />
            <location filename="../../crmdesk/services/limits.py" line="106" />
            <location filename="../../crmdesk/services/limits.py" line="110" />
            <location filename="../../crmdesk/services/limits.py" line="112" />
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
            <location filename="../../crmdesk/ui/generic/documentform.py" line="284" />
            <source>Добавить</source>
            <translation>Add</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="285" />
            <source>Подбор</source>
            <translation>Pick</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="286" />
            <source>Удалить строку</source>
            <translation>Delete row</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="331" />
            <source>в т.ч. НДС: {0}</source>
            <translation>incl. VAT: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="332" />
            <source>НДС сверху: {0}</source>
            <translation>VAT on top: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="334" />
            <source>Всего: {0}</source>
            <translation>Total: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="448" />
            <source>Проведён: {0}</source>
            <translation>Posted: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="507" />
            <source>(нет печатных форм)</source>
            <translation>(no print forms)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="114" />
            <location filename="../../crmdesk/services/documents.py" line="135" />
            <location filename="../../crmdesk/services/documents.py" line="177" />
            <location filename="../../crmdesk/services/documents.py" line="339" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="33" />
            <location filename="../../crmdesk/ui/generic/picker.py" line="31" />
            <location filename="../../crmdesk/ui/generic/productcell.py" line="17" />
            <source>Товары (работы, услуги)</source>
            <translation>Goods and services</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/documentform.py" line="34" />
            <location filename="../../crmdesk/ui/generic/picker.py" line="31" />
            <source>Кол-во</source>
            <translation>Qty</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/generic/documentform.py" line="35" />
            <location filename="../../crmdesk/ui/generic/picker.py" line="31" />
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
            <location filename="../../crmdesk/ui/generic/fields.py" line="320" />
            <source>введите часть наименования</source>
            <translation>type part of the name</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/fields.py" line="323" />
            <location filename="../../crmdesk/ui/generic/fields.py" line="462" />
            <source>Выбрать из списка (F4)</source>
            <translation>Choose from the list (F4)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/fields.py" line="459" />
            <source>выберите из списка (F4) или начните вводить</source>
            <translation>choose from the list (F4) or start typing</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/fields.py" line="525" />
            <source>«{0}» нет в справочнике «{1}»: выберите из списка (F4)</source>
            <translation>«{0}» is not in the catalogue «{1}»: choose from the list (F4)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/fields.py" line="603" />
            <source>Открыть: {0}</source>
            <translation>Open: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/kanban.py" line="149" />
            <source>Ещё…</source>
            <translation>More…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="84" />
            <source>Отбор: </source>
            <translation>Filter: </translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="87" />
            <source>Добавить условие</source>
            <translation>Add condition</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="111" />
            <source>Убрать условие</source>
            <translation>Remove condition</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="165" />
            <source>Поиск (Ctrl+F)</source>
            <translation>Search (Ctrl+F)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="219" />
            <source>Выбрать</source>
            <translation>Select</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="221" />
            <source>Создать</source>
            <translation>Create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="224" />
            <source>Скопировать</source>
            <translation>Copy</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="225" />
            <source>Изменить</source>
            <translation>Edit</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="228" />
            <source>Пометить на удаление</source>
            <translation>Mark for deletion</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="237" />
            <location filename="../../crmdesk/ui/shell/office.py" line="340" />
            <source>Обновить</source>
            <translation>Refresh</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="238" />
            <source>Найти</source>
            <translation>Find</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="239" />
            <source>Отменить поиск</source>
            <translation>Cancel search</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="241" />
            <source>Отбор…</source>
            <translation>Filter…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="242" />
            <source>Настроить колонки…</source>
            <translation>Customize columns…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="245" />
            <source>Показывать помеченные на удаление</source>
            <translation>Show items marked for deletion</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="253" />
            <source>Вывести список в XLSX…</source>
            <translation>Export list to XLSX…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="336" />
            <source>Снять пометку удаления с «{0}»?</source>
            <translation>Clear the deletion mark of “{0}”?</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="336" />
            <source>Пометить «{0}» на удаление?</source>
            <translation>Mark “{0}” for deletion?</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="332" />
            <location filename="../../crmdesk/services/records.py" line="521" />
            <location filename="../../crmdesk/services/records.py" line="523" />
            <location filename="../../crmdesk/ui/generic/listform.py" line="338" />
            <source>Пометка удаления</source>
            <translation>Deletion mark</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="428" />
            <source>Вывести список</source>
            <translation>Export list</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="438" />
            <source>Список сохранён: {0}</source>
            <translation>List saved: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="459" />
            <source>более {0}</source>
            <translation>over {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="462" />
            <source>поиск: «{0}»</source>
            <translation>search: “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="464" />
            <source>отбор: {0} усл.</source>
            <translation>filter: {0} cond.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="466" />
            <source>Записей: {0}</source>
            <translation>Records: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listform.py" line="531" />
            <source>Выбор: </source>
            <translation>Select: </translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/listmodel.py" line="226" />
            <location filename="../../crmdesk/ui/generic/structure.py" line="33" />
            <source>Помечен на удаление</source>
            <translation>Marked for deletion</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="114" />
            <source>Основное</source>
            <translation>Main</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="32" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="130" />
            <source>Записать и закрыть</source>
            <translation>Save and close</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="333" />
            <source>Записано: {0}</source>
            <translation>Saved: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="357" />
            <source>Данные изменены другим пользователем</source>
            <translation>The data was changed by another user</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="361" />
            <source>Перечитать</source>
            <translation>Reload</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="362" />
            <source>Продолжить редактирование</source>
            <translation>Continue editing</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="407" />
            <source>Только просмотр: нет права «{0}».</source>
            <translation>View only: no «{0}» right.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="454" />
            <source>Данные были изменены. Сохранить изменения?</source>
            <translation>The data has been changed. Save the changes?</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/generic/objectform.py" line="219" />
            <source>Файлы</source>
            <translation>Files</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/objectform.py" line="222" />
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="239" />
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="241" />
            <source>История</source>
            <translation>History</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/picker.py" line="60" />
            <source>Подбор товаров</source>
            <translation>Product selection</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/picker.py" line="94" />
            <location filename="../../crmdesk/ui/generic/picker.py" line="95" />
            <source>Перенести в документ</source>
            <translation>Transfer to document</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/picker.py" line="109" />
            <source>Подобранные товары (кол-во и цену можно изменить):</source>
            <translation>Selected products (quantity and price can be changed):</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/picker.py" line="192" />
            <source>Поле «{0}» заполнено неверно: «{1}»</source>
            <translation>Field «{0}» is filled in incorrectly: «{1}»</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/picker.py" line="208" />
            <source>Подобрано позиций: {0}, на сумму {1}</source>
            <translation>Items selected: {0}, total {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/picker.py" line="30" />
            <source>Все товары и услуги</source>
            <translation>All goods and services</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/generic/picker.py" line="30" />
            <source>Товары</source>
            <translation>Goods</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/generic/picker.py" line="30" />
            <source>Услуги</source>
            <translation>Services</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="239" />
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
            <location filename="../../crmdesk/ui/i18n.py" line="12" />
            <source>Русский</source>
            <translation>Russian</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/screenshots.py" line="121" />
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
            <location filename="../../crmdesk/ui/shell/calls.py" line="44" />
            <source>Это клиент другого менеджера</source>
            <translation>This is another manager's client</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="48" />
            <source>Номер не найден: ни у клиента, ни у контактного лица</source>
            <translation>Number not found: no client or contact person has it</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="56" />
            <source>Этот номер есть и у</source>
            <translation>This number also belongs to</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/receivables.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="61" />
            <location filename="../../crmdesk/ui/shell/docks.py" line="49" />
            <source>Долг</source>
            <translation>Debt</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/receivables.py" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="66" />
            <location filename="../../crmdesk/ui/shell/docks.py" line="51" />
            <source>Аванс</source>
            <translation>Advance</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="73" />
            <location filename="../../crmdesk/ui/shell/docks.py" line="54" />
            <source>Последние контакты</source>
            <translation>Recent contacts</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="79" />
            <location filename="../../crmdesk/ui/shell/docks.py" line="62" />
            <source>Открытые задачи</source>
            <translation>Open tasks</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/crm.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="106" />
            <source>Входящий звонок</source>
            <translation>Incoming call</translation>
        </message>
        <message>
            <location filename="../../crmdesk/models/crm.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="106" />
            <source>Исходящий звонок</source>
            <translation>Outgoing call</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/telephony.py" line="260" />
            <location filename="../../crmdesk/ui/shell/calls.py" line="112" />
            <source>Суть разговора</source>
            <translation>Gist of the conversation</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="115" />
            <source>Договорились (следующий шаг)</source>
            <translation>Agreed (next step)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="116" />
            <location filename="../../crmdesk/ui/shell/docks.py" line="78" />
            <source>Открыть карточку</source>
            <translation>Open card</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="117" />
            <source>Записать разговор</source>
            <translation>Save the conversation</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="118" />
            <source>Создать клиента</source>
            <translation>Create client</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="119" />
            <source>Создать лида</source>
            <translation>Create lead</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="172" />
            <source>пропущен</source>
            <translation>missed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="196" />
            <source>Разговор записан в историю клиента.</source>
            <translation>The conversation is saved in the client's history.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="218" />
            <source>Потенциальный клиент записан (код {0}).</source>
            <translation>Lead saved (code {0}).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="276" />
            <source>Введите пароль пользователя AMI (щелчок здесь)</source>
            <translation>Enter the AMI user's password (click here)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="310" />
            <source>Телефония</source>
            <translation>Telephony</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="311" />
            <source>Пароль пользователя AMI «{0}»:</source>
            <translation>Password of AMI user "{0}":</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="379" />
            <source>АТС звонит на ваш телефон {0}, затем на {1}</source>
            <translation>The PBX rings your phone {0}, then {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="88" />
            <source>звонит</source>
            <translation>ringing</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="89" />
            <source>разговор</source>
            <translation>talking</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="90" />
            <source>ответил другой сотрудник</source>
            <translation>answered by a colleague</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="91" />
            <source>завершён</source>
            <translation>ended</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="231" />
            <source>АТС: подключение…</source>
            <translation>PBX: connecting…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="232" />
            <source>АТС: на связи</source>
            <translation>PBX: connected</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="233" />
            <source>АТС: нет связи</source>
            <translation>PBX: no connection</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="234" />
            <source>АТС: ошибка</source>
            <translation>PBX: error</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="235" />
            <source>АТС: не настроена</source>
            <translation>PBX: not set up</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="236" />
            <source>АТС: нужен пароль</source>
            <translation>PBX: password needed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/calls.py" line="237" />
            <source>АТС: события через базу</source>
            <translation>PBX: events via the database</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="37" />
            <source>ИНН {0}</source>
            <translation>INN {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="38" />
            <source> / КПП {0}</source>
            <translation> / KPP {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="45" />
            <source>Менеджер: {0}</source>
            <translation>Manager: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="47" />
            <source>Группы: {0}</source>
            <translation>Groups: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="85" />
            <source>Выберите клиента в списке</source>
            <translation>Select a client in a list</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/docks.py" line="146" />
            <location filename="../../crmdesk/ui/shell/reminders.py" line="151" />
            <source>Просрочена</source>
            <translation>Overdue</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="160" />
            <source>Номер звонящего</source>
            <translation>Caller's number</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="165" />
            <source>Заявка</source>
            <translation>Request</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="166" />
            <source>Зарегистрировать заявку от звонящего</source>
            <translation>Register a request from the caller</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="218" />
            <source>Найдено: {0}</source>
            <translation>Found: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/docks.py" line="218" />
            <source>Клиент с этим номером не найден</source>
            <translation>No client with this number</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="44" />
            <source>crmdesk — {0}</source>
            <translation>crmdesk — {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="78" />
            <source>Разделы</source>
            <translation>Sections</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="99" />
            <source>Функции раздела</source>
            <translation>Section functions</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="223" />
            <source>Навигация</source>
            <translation>Navigation</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="226" />
            <source>Назад</source>
            <translation>Back</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="228" />
            <source>Вперёд</source>
            <translation>Forward</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="230" />
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="232" />
            <source>Избранное</source>
            <translation>Favorites</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="235" />
            <source>Добавить в избранное</source>
            <translation>Add to favorites</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="246" />
            <source>Поиск по клиентам и документам (Ctrl+Shift+F)</source>
            <translation>Search clients and documents (Ctrl+Shift+F)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="314" />
            <source>Добавлено в избранное: {0}</source>
            <translation>Added to favorites: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="321" />
            <source>(пусто — Ctrl+D добавляет открытую форму)</source>
            <translation>(empty — Ctrl+D adds the open form)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="354" />
            <source>Окна во вкладках</source>
            <translation>Tabbed windows</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="365" />
            <location filename="../../crmdesk/ui/shell/menubar.py" line="78" />
            <source>База: {0}</source>
            <translation>Database: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="367" />
            <source>Пользователь: {0} ({1})</source>
            <translation>User: {0} ({1})</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="341" />
            <source>Карточка клиента</source>
            <translation>Client card</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="345" />
            <source>Задачи на сегодня</source>
            <translation>Today's tasks</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/attachments.py" line="42" />
            <location filename="../../crmdesk/services/contracts.py" line="158" />
            <location filename="../../crmdesk/services/exports.py" line="101" />
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
            <location filename="../../crmdesk/ui/shell/sections.py" line="130" />
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
            <location filename="../../crmdesk/ui/shell/office.py" line="132" />
            <source>Сеанс завершён</source>
            <translation>Session ended</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="200" />
            <source>Объект больше не редактируется пользователем {0}: теперь его можно изменять.</source>
            <translation>User {0} is no longer editing the object: you can change it now.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="281" />
            <source>Объект изменён другим пользователем: {0} в {1}.</source>
            <translation>The object was changed by another user: {0} at {1}.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="284" />
            <source>Объект изменён в другой форме в {0}.</source>
            <translation>The object was changed in another form at {0}.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="286" />
            <source>Ваши изменения не записаны и не перечитаны; записать их поверх не получится — при записи будет предложено перечитать объект.</source>
            <translation>Your changes are neither saved nor reread; they cannot be saved over the other ones — saving will offer to reread the object.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="328" />
            <location filename="../../crmdesk/ui/shell/office.py" line="422" />
            <source>Активные пользователи</source>
            <translation>Active users</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="338" />
            <source>Завершить сеанс…</source>
            <translation>End session…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="370" />
            <source> (этот сеанс)</source>
            <translation> (this session)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="371" />
            <source> — нет связи</source>
            <translation> — not connected</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="380" />
            <source>Сеансов: {0}, на связи: {1}</source>
            <translation>Sessions: {0}, connected: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="393" />
            <source>Завершить сеанс</source>
            <translation>End session</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="394" />
            <source>Завершить сеанс пользователя {0} ({1})? Несохранённые изменения в его формах не будут записаны.</source>
            <translation>End the session of user {0} ({1})? Unsaved changes in their forms will not be written.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="400" />
            <source>завершён администратором</source>
            <translation>ended by the administrator</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="404" />
            <source>Сеанс пользователя {0} завершён</source>
            <translation>The session of user {0} has ended</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="323" />
            <source>Сеанс</source>
            <translation>Session</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="323" />
            <source>Пользователь</source>
            <translation>User</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="323" />
            <source>Компьютер</source>
            <translation>Computer</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="323" />
            <source>Начало работы</source>
            <translation>Started</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="323" />
            <source>Активность</source>
            <translation>Activity</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="324" />
            <source>Блокировок</source>
            <translation>Locks</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/office.py" line="390" />
            <source>Свой сеанс не завершают: закройте программу.</source>
            <translation>One's own session is not ended: close the program.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/reminders.py" line="99" />
            <source>Напоминания</source>
            <translation>Reminders</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/reminders.py" line="115" />
            <source>Открыть</source>
            <translation>Open</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/reminders.py" line="122" />
            <source>Выполнено</source>
            <translation>Done</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/reminders.py" line="153" />
            <source>Напоминаний: {0}</source>
            <translation>Reminders: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/reminders.py" line="32" />
            <source>Напоминание</source>
            <translation>Reminder</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="37" />
            <source>Главное</source>
            <translation>Home</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="62" />
            <source>Продажи</source>
            <translation>Sales</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="81" />
            <source>Деньги</source>
            <translation>Money</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="99" />
            <source>Отчёты</source>
            <translation>Reports</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="112" />
            <source>Справочники</source>
            <translation>Catalogs</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="123" />
            <source>Администрирование</source>
            <translation>Administration</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="40" />
            <location filename="../../crmdesk/ui/shell/special.py" line="31" />
            <source>Начальная страница</source>
            <translation>Start page</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="42" />
            <source>Задача: создать</source>
            <translation>Task: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="51" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="115" />
            <source>Клиенты</source>
            <translation>Clients</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="52" />
            <source>Клиент: создать</source>
            <translation>Client: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="57" />
            <source>Загрузить клиентов из файла…</source>
            <translation>Import clients from file…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="67" />
            <source>Сделка: создать</source>
            <translation>Deal: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="68" />
            <source>Воронка продаж (отчёт)</source>
            <translation>Sales funnel (report)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="72" />
            <source>Заказы клиентов</source>
            <translation>Customer orders</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="73" />
            <source>Коммерческое предложение: создать</source>
            <translation>Commercial proposal: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="74" />
            <source>Заказ клиента: создать</source>
            <translation>Customer order: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="76" />
            <source>Договор: создать</source>
            <translation>Contract: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="84" />
            <source>Счета на оплату</source>
            <translation>Invoices</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="85" />
            <source>Поступления оплат</source>
            <translation>Payments</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="86" />
            <source>Счёт на оплату: создать</source>
            <translation>Invoice: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="87" />
            <source>Поступление оплаты: создать</source>
            <translation>Payment: create</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="88" />
            <source>Загрузить выписку из банка…</source>
            <translation>Import bank statement…</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="90" />
            <source>Загруженные платежи банка</source>
            <translation>Loaded bank payments</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="94" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="107" />
            <source>Прогноз поступлений</source>
            <translation>Cash receipts forecast</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/reports/gross_profit.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="102" />
            <source>Валовая прибыль</source>
            <translation>Gross profit</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="103" />
            <source>Воронка продаж</source>
            <translation>Sales funnel</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="104" />
            <source>Взвешенный прогноз продаж</source>
            <translation>Weighted sales forecast</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="105" />
            <source>План-факт продаж</source>
            <translation>Sales plan vs actual</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="116" />
            <source>Товары и услуги</source>
            <translation>Products and services</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="117" />
            <source>Группы клиентов</source>
            <translation>Client groups</translation>
        </message>
        <message>
            <location filename="../../crmdesk/reports/__init__.py" />
            <location filename="../../crmdesk/ui/shell/sections.py" line="118" />
            <source>Менеджеры</source>
            <translation>Managers</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="128" />
            <source>Оформление коммерческих предложений</source>
            <translation>Commercial proposal design</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="131" />
            <source>Роли и права</source>
            <translation>Roles and permissions</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/sections.py" line="133" />
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
            <source>ИП</source>
            <translation>Sole trader</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" />
            <location filename="../../crmdesk/services/lists.py" />
            <source>Частное лицо</source>
            <translation>Individual</translation>
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
            <location filename="../../crmdesk/services/calllistener.py" line="155" />
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
            <source>E-mail</source>
            <translation>E-mail</translation>
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
            <location filename="../../crmdesk/services/housing.py" line="439" />
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
            <source>Дата снятия</source>
            <translation>Reading date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" />
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
            <location filename="../../crmdesk/services/clients.py" />
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
            <location filename="../../crmdesk/services/requestcatalog.py" line="47" />
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
            <source>Вид (организация / ИП / частное лицо)</source>
            <translation>Kind (company / sole trader / private person)</translation>
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
            <source>Согласие на рассылку (эл. почта и SMS)</source>
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
            <location filename="../../crmdesk/services/requestwork.py" line="102" />
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
            <location filename="../../crmdesk/reports/forecast.py" />
            <source>Просрочено</source>
            <translation>Overdue</translation>
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
            <location filename="../../crmdesk/services/clients.py" />
            <source>Индивидуальный предприниматель</source>
            <translation>Individual entrepreneur</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" />
            <source>Потенциальный</source>
            <translation>Prospective</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" />
            <source>Активный</source>
            <translation>Active</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" />
            <source>Постоянный</source>
            <translation>Regular</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" />
            <source>Неактивный</source>
            <translation>Inactive</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" />
            <source>Рекомендация</source>
            <translation>Referral</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" />
            <source>Выставка</source>
            <translation>Exhibition</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" />
            <source>Реклама</source>
            <translation>Advertising</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" />
            <source>Почта</source>
            <translation>Mail</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" />
            <source>Другое</source>
            <translation>Other</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/calendar.py" />
            <source>Выходной (праздник)</source>
            <translation>Day off (holiday)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/calendar.py" />
            <source>Рабочий день</source>
            <translation>Working day</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestcatalog.py" />
            <source>Модуль ЖКХ</source>
            <translation>Housing module</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestcatalog.py" />
            <source>Уведомлять заявителя по SMS</source>
            <translation>Notify the applicant by SMS</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestcatalog.py" />
            <source>Уведомлять заявителя по эл. почте</source>
            <translation>Notify the applicant by e-mail</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestcatalog.py" />
            <source>Напоминать о поверке счётчиков за, дней</source>
            <translation>Remind of meter verification ahead, days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/validation.py" />
            <source>у организации</source>
            <translation>for an organization</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/validation.py" />
            <source>у индивидуального предпринимателя</source>
            <translation>for a sole trader</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/validation.py" />
            <source>у частного лица</source>
            <translation>for a private person</translation>
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
        <message>
            <location filename="../../crmdesk/services/access.py" line="60" />
            <source>В базе {0} нет данных crmdesk (схема не создана). Создайте её командой «crmdesk db upgrade» или загрузите данные («crmdesk load», «crmdesk restore --to»).</source>
            <translation>The database {0} holds no crmdesk data (the schema is not created). Create it with “crmdesk db upgrade” or load data (“crmdesk load”, “crmdesk restore --to”).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/access.py" line="40" />
            <source>База данных {0} не существует. Проверьте путь (--db или CRMDESK_DB); новую базу создаёт «crmdesk db upgrade», «crmdesk demo» или «crmdesk load».</source>
            <translation>The database {0} does not exist. Check the path (--db or CRMDESK_DB); “crmdesk db upgrade”, “crmdesk demo” or “crmdesk load” creates a new database.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/access.py" line="126" />
            <location filename="../../crmdesk/services/context.py" line="61" />
            <source>Пользователь «{0}» не найден или отключён.</source>
            <translation>User “{0}” not found or disabled.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/access.py" line="146" />
            <location filename="../../crmdesk/services/calllistener.py" line="108" />
            <location filename="../../crmdesk/services/telephony_setup.py" line="82" />
            <location filename="../../crmdesk/services/users.py" line="95" />
            <source>Пользователь «{0}» не найден.</source>
            <translation>User “{0}” not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/attachments.py" line="25" />
            <source>Владелец файла</source>
            <translation>File owner</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/attachments.py" line="25" />
            <source>неизвестен вид «{0}»</source>
            <translation>unknown kind “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/attachments.py" line="28" />
            <source>Объект {0} с кодом {1} не найден.</source>
            <translation>Object {0} with code {1} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/attachments.py" line="40" />
            <location filename="../../crmdesk/services/contracts.py" line="156" />
            <source>Имя файла</source>
            <translation>File name</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/attachments.py" line="42" />
            <location filename="../../crmdesk/services/contracts.py" line="158" />
            <source>больше {0} МБ</source>
            <translation>larger than {0} MB</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/backup.py" line="417" />
            <source>Файл {0} не похож на резервную копию crmdesk.</source>
            <translation>The file {0} does not look like a crmdesk backup.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/backup.py" line="454" />
            <location filename="../../crmdesk/services/imports/sources.py" line="370" />
            <location filename="../../crmdesk/services/pg_backup.py" line="66" />
            <source>Файл {0} не найден.</source>
            <translation>The file {0} was not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/backup.py" line="481" />
            <source>Нельзя восстановить копию поверх неё самой.</source>
            <translation>A backup cannot be restored over itself.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/backup.py" line="483" />
            <source>Копия pg_dump восстанавливается только в PostgreSQL (--to postgresql://…).</source>
            <translation>A pg_dump backup can be restored only into PostgreSQL (--to postgresql://…).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/backup.py" line="239" />
            <source>копия не прошла проверку целостности: {0}</source>
            <translation>the backup failed the integrity check: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/backup.py" line="273" />
            <source>копия pg_dump не читается: {0}</source>
            <translation>the pg_dump backup cannot be read: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/backup.py" line="473" />
            <source>Копия {0} не восстановлена ({1}); база, куда восстанавливали, не изменена.</source>
            <translation>Backup {0} was not restored ({1}); the target database is unchanged.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/backup.py" line="432" />
            <source>восстановленная база не прошла проверку целостности: {0}</source>
            <translation>the restored database failed the integrity check: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/backup.py" line="438" />
            <source>в восстановленной базе нет пользователей</source>
            <translation>the restored database has no users</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/backup.py" line="464" />
            <source>Копия {0} не восстановлена: {1} Рабочая база не изменена.</source>
            <translation>Backup {0} was not restored: {1} The working database is unchanged.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/backup.py" line="540" />
            <source>База {0} недоступна ({1}); создайте пустую базу (createdb) и повторите.</source>
            <translation>Database {0} is unavailable ({1}); create an empty database (createdb) and retry.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/backup.py" line="548" />
            <source>База {0} не пуста (есть таблицы): копия восстанавливается только в новую пустую базу — создайте её (createdb) и укажите в --to.</source>
            <translation>Database {0} is not empty (it has tables): a backup is restored only into a new empty database — create one (createdb) and give it in --to.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/backup.py" line="555" />
            <source>pg_restore не найден: установите клиент PostgreSQL.</source>
            <translation>pg_restore not found: install the PostgreSQL client.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/bank.py" line="108" />
            <source>нет строки {0} в выписке</source>
            <translation>no line {0} in the statement</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/bank.py" line="227" />
            <source>в сведениях об организации не заполнен: выписку не с чем сверить</source>
            <translation>is not filled in the organization's details: there is nothing to check the statement against</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/bank_load.py" line="45" />
            <source>Строка {0}: клиент с кодом {1} не найден или помечен на удаление.</source>
            <translation>Line {0}: client with code {1} not found or marked for deletion.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/bank_load.py" line="71" />
            <source>{0}: плательщик уже известен</source>
            <translation>{0}: the payer is already known</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/bank_load.py" line="54" />
            <source>Счёт</source>
            <translation>Account</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/bank_load.py" line="54" />
            <source>счёт {0} не открытый счёт клиента «{1}»</source>
            <translation>account {0} is not an open account of client “{1}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/bank_load.py" line="137" />
            <source>Строка {0} ({1}, {2}, {3}): {4}</source>
            <translation>Line {0} ({1}, {2}, {3}): {4}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/board.py" line="144" />
            <source>нет этапа «{0}»; есть: {1}</source>
            <translation>no stage “{0}”; there are: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/calendar.py" line="82" />
            <source>нет ни одного рабочего дня за год</source>
            <translation>not a single working day in the year</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/calendar.py" line="145" />
            <source>не дата</source>
            <translation>not a date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/calendar.py" line="147" />
            <source>«{0}»: можно holiday, workday или normal</source>
            <translation>“{0}”: holiday, workday or normal are allowed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/calllistener.py" line="111" />
            <source>не заполнено у пользователя {0}: crmdesk users extension {1} 101</source>
            <translation>not filled for user {0}: crmdesk users extension {1} 101</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/calllistener.py" line="155" />
            <source>«{0}» — допустимо in или out</source>
            <translation>“{0}” — in or out are allowed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/calllistener.py" line="157" />
            <source>«{0}» — допустимо {1}</source>
            <translation>“{0}” — allowed: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/calllistener.py" line="161" />
            <source>«{0}» — нужны цифры</source>
            <translation>“{0}” — digits are needed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/calllistener.py" line="163" />
            <location filename="../../crmdesk/services/contracts.py" line="61" />
            <location filename="../../crmdesk/services/documents.py" line="346" />
            <location filename="../../crmdesk/services/interactions.py" line="39" />
            <source>не может быть отрицательной</source>
            <translation>cannot be negative</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" line="135" />
            <location filename="../../crmdesk/services/plans.py" line="41" />
            <location filename="../../crmdesk/services/segments.py" line="66" />
            <source>Поле «Менеджер»: пользователь «{0}» не найден.</source>
            <translation>Field “Manager”: user “{0}” not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" line="147" />
            <source>неизвестный вид клиента «{0}»</source>
            <translation>unknown client kind «{0}»</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" line="243" />
            <location filename="../../crmdesk/services/interactions.py" line="95" />
            <location filename="../../crmdesk/services/mail.py" line="201" />
            <location filename="../../crmdesk/services/mailings.py" line="324" />
            <location filename="../../crmdesk/services/templates.py" line="255" />
            <source>Клиент с кодом {0} не найден.</source>
            <translation>Client with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" line="167" />
            <source>не заполнено имя</source>
            <translation>the name is empty</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" line="86" />
            <source>группа с кодом {0} не найдена</source>
            <translation>group with code {0} not found</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/clients.py" line="95" />
            <source>группы «{0}» нет в справочнике «Группы клиентов»; новую группу создаёт пользователь с правом на справочник</source>
            <translation>group «{0}» is not in the «Client groups» catalogue; a new group is created by a user with the right to the catalogue</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/context.py" line="43" />
            <source>В базе нет администратора: выполните «crmdesk db upgrade».</source>
            <translation>The database has no administrator: run “crmdesk db upgrade”.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/contracts.py" line="37" />
            <source>«{0}» — не дата ДД.ММ.ГГГГ</source>
            <translation>“{0}” is not a date DD.MM.YYYY</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/contracts.py" line="56" />
            <source>раньше начала действия</source>
            <translation>earlier than the start of validity</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/contracts.py" line="68" />
            <source>клиент не найден</source>
            <translation>client not found</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/contracts.py" line="71" />
            <source>не найдена среди сделок этого клиента</source>
            <translation>not found among this client's deals</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/contracts.py" line="106" />
            <source>Договор с кодом {0} не найден.</source>
            <translation>Contract with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/contracts.py" line="121" />
            <source>Договор № {0} не найден.</source>
            <translation>Contract No. {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/contracts.py" line="123" />
            <source>№ {0} есть у нескольких клиентов: укажите клиента</source>
            <translation>No. {0} belongs to several clients: specify the client</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/contracts.py" line="167" />
            <source>{0}: файл договора не приложен.</source>
            <translation>{0}: the contract file is not attached.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/contracts.py" line="179" />
            <source>{0} заключён с другим клиентом</source>
            <translation>{0} is made with another client</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/deals.py" line="46" />
            <source>В базе нет процесса продаж: выполните «crmdesk db upgrade».</source>
            <translation>The database has no sales process: run “crmdesk db upgrade”.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/deals.py" line="71" />
            <source>Сделка с кодом {0} не найдена.</source>
            <translation>Deal with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/deals.py" line="138" />
            <location filename="../../crmdesk/services/documents.py" line="282" />
            <location filename="../../crmdesk/services/interactions.py" line="30" />
            <location filename="../../crmdesk/services/sms.py" line="99" />
            <location filename="../../crmdesk/services/tasks.py" line="36" />
            <source>Поле «Клиент»: клиент с кодом {0} не найден.</source>
            <translation>Field “Client”: client with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/deals.py" line="144" />
            <source>Поле «Процесс»: процесс с кодом {0} не найден.</source>
            <translation>Field “Process”: process with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/deals.py" line="177" />
            <source>Сделку нельзя перевести с этапа «{0}» на этап «{1}»; допустимо: {2}.</source>
            <translation>The deal cannot move from stage “{0}” to stage “{1}”; allowed: {2}.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/deals.py" line="212" />
            <source>В процессе нет этапа «{0}».</source>
            <translation>The process has no stage “{0}”.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/deals.py" line="229" />
            <location filename="../../crmdesk/services/interactions.py" line="65" />
            <source>сделка «{0}» — другого клиента ({1})</source>
            <translation>deal “{0}” belongs to another client ({1})</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/deals.py" line="117" />
            <location filename="../../crmdesk/services/requestcatalog.py" line="50" />
            <location filename="../../crmdesk/services/requests.py" line="338" />
            <source>пользователь с кодом {0} не найден</source>
            <translation>user with code {0} not found</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/deals.py" line="149" />
            <source>в процессе «{0}» нельзя начать сделку с этапа «{1}»</source>
            <translation>in process “{0}” a deal cannot start at stage “{1}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/deals.py" line="111" />
            <source>целое число от 0 до 100</source>
            <translation>a whole number from 0 to 100</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="73" />
            <location filename="../../crmdesk/services/mail.py" line="236" />
            <source>Документ с кодом {0} не найден.</source>
            <translation>Document with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="84" />
            <source>Документ № {0} не найден.</source>
            <translation>Document No. {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="114" />
            <location filename="../../crmdesk/services/requestwork.py" line="48" />
            <source>строка не заполнена</source>
            <translation>the line is empty</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="177" />
            <source>не список строк</source>
            <translation>not a list of lines</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="189" />
            <source>сумма документа больше допустимой ({0})</source>
            <translation>the document amount is more than allowed ({0})</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="231" />
            <location filename="../../crmdesk/services/records.py" line="240" />
            <location filename="../../crmdesk/services/setup.py" line="170" />
            <source>неизвестный режим «{0}»</source>
            <translation>unknown mode “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="233" />
            <source>безналичный (bank) или наличные (cash)</source>
            <translation>bank transfer (bank) or cash (cash)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="278" />
            <location filename="../../crmdesk/services/lists.py" line="1227" />
            <location filename="../../crmdesk/services/records.py" line="311" />
            <location filename="../../crmdesk/services/records.py" line="448" />
            <source>неизвестен «{0}»</source>
            <translation>unknown “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="332" />
            <source>документ помечен на удаление и не может быть проведён</source>
            <translation>the document is marked for deletion and cannot be posted</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="334" />
            <source>клиент «{0}» помечен на удаление</source>
            <translation>client “{0}” is marked for deletion</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="349" />
            <source>Документ {0} не проведён:
</source>
            <translation>Document {0} is not posted:
</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="510" />
            <source>«{0}» нельзя создать на основании «{1}»</source>
            <translation>“{0}” cannot be created on the basis of “{1}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="125" />
            <location filename="../../crmdesk/services/requestwork.py" line="57" />
            <source>Номенклатура</source>
            <translation>Product</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="125" />
            <source>не найдена: {0}</source>
            <translation>not found: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="154" />
            <source>сумма строки больше допустимой ({0})</source>
            <translation>the line amount is more than allowed ({0})</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="337" />
            <source>должна быть больше нуля</source>
            <translation>must be greater than zero</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="339" />
            <source>в документе нет ни одной строки</source>
            <translation>the document has no lines</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="444" />
            <source>Счёт {0} оплачен документами {1}: сначала отмените их проведение.</source>
            <translation>Invoice {0} is paid by documents {1}: cancel their posting first.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="343" />
            <source>Количество</source>
            <translation>Quantity</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/documents.py" line="343" />
            <location filename="../../crmdesk/services/limits.py" line="116" />
            <location filename="../../crmdesk/services/mail.py" line="112" />
            <location filename="../../crmdesk/services/sms.py" line="40" />
            <source>должно быть больше нуля</source>
            <translation>must be greater than zero</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/errors.py" line="11" />
            <source>Поле «{0}» не заполнено</source>
            <translation>Field “{0}” is empty</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/errors.py" line="12" />
            <source>Поле «{0}» заполнено неверно: {1}</source>
            <translation>Field “{0}” is invalid: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/errors.py" line="13" />
            <source>Строка {0}: {1}</source>
            <translation>Line {0}: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/errors.py" line="42" />
            <source>другой пользователь</source>
            <translation>another user</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/errors.py" line="43" />
            <source> в {0}</source>
            <translation> at {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/errors.py" line="45" />
            <source>{0} уже изменён пользователем {1}{2}. Перечитайте данные и внесите изменения снова.</source>
            <translation>{0} has already been changed by user {1}{2}. Reread the data and make your changes again.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="212" />
            <source>Файл обмена обрывается в таблице «{0}»: файл не дописан или обрезан.</source>
            <translation>The exchange file breaks off in table “{0}”: the file is incomplete or truncated.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="257" />
            <source>Это не файл обмена crmdesk (нет признака «crmdesk-exchange»).</source>
            <translation>This is not a crmdesk exchange file (no “crmdesk-exchange” mark).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="263" />
            <source>Файл обмена версии {0} записан более новой версией crmdesk; эта программа читает версию до {1}.</source>
            <translation>Exchange file version {0} was written by a newer crmdesk; this program reads versions up to {1}.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="268" />
            <source>Схема «{0}» файла обмена неизвестна этой версии crmdesk: обновите программу.</source>
            <translation>Schema “{0}” of the exchange file is unknown to this crmdesk version: update the program.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="286" />
            <source>Таблица «{0}»: неизвестные колонки {1}.</source>
            <translation>Table “{0}”: unknown columns {1}.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="218" />
            <source>Файл обмена {0} обрывается: файл не дописан или обрезан.</source>
            <translation>Exchange file {0} breaks off: the file is incomplete or truncated.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="229" />
            <source>Итоговые счётчики файла обмена {0} повреждены.</source>
            <translation>The final counters of exchange file {0} are damaged.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="239" />
            <source>Файл обмена {0} повреждён: контрольная сумма не совпадает (файл изменён после выгрузки).</source>
            <translation>Exchange file {0} is damaged: the checksum does not match (the file was changed after export).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="330" />
            <source>Файл обмена {0} не читается: {1}</source>
            <translation>Exchange file {0} cannot be read: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="350" />
            <source>Загрузка прервана, база не изменена. {0}</source>
            <translation>Loading interrupted, the database is unchanged. {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="352" />
            <location filename="../../crmdesk/services/imports/run.py" line="851" />
            <source>Загрузка прервана, база не изменена: {0}</source>
            <translation>Loading interrupted, the database is unchanged: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="376" />
            <source>Копирование прервано, база-получатель не изменена. {0}</source>
            <translation>Copying interrupted, the target database is unchanged. {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="379" />
            <source>Копирование прервано, база-получатель не изменена: {0}</source>
            <translation>Copying interrupted, the target database is unchanged: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="160" />
            <source>Файл {0} не является файлом обмена crmdesk.</source>
            <translation>The file {0} is not a crmdesk exchange file.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="223" />
            <source>В файле обмена {0} нет итоговых счётчиков и контрольной суммы: файл не дописан или обрезан.</source>
            <translation>Exchange file {0} has no final counters and checksum: the file is incomplete or truncated.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="234" />
            <source>Файл обмена {0} неполон или повреждён: в таблице «{1}» прочитано строк {2}, а записано {3}.</source>
            <translation>Exchange file {0} is incomplete or damaged: {2} rows were read in table “{1}”, but {3} were written.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="278" />
            <source>База данных не пуста: загрузка и копирование выполняются только в пустую базу (создайте новую и повторите).</source>
            <translation>The database is not empty: loading and copying go only into an empty database (create a new one and retry).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="295" />
            <source>Таблица «{0}», строка {1}: значение колонки «{2}» вне пределов (limits: NUL, длина или число), его не примут обе базы.</source>
            <translation>Table “{0}”, row {1}: the value of column “{2}” is out of limits (NUL, length or number); neither database would accept it.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="156" />
            <source>Файл {0} не является файлом обмена crmdesk или обрезан: {1}</source>
            <translation>The file {0} is not a crmdesk exchange file or is truncated: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="171" />
            <source>Файл обмена: таблица «{0}» записана неверно.</source>
            <translation>Exchange file: table “{0}” is written incorrectly.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exchange.py" line="343" />
            <source>Файл обмена: неизвестная таблица «{0}».</source>
            <translation>Exchange file: unknown table “{0}”.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exports.py" line="102" />
            <source>по расширению «{0}» не понять формат: нужен .xlsx, .csv или .vcf (или --format)</source>
            <translation>the extension “{0}” does not tell the format: .xlsx, .csv or .vcf is needed (or --format)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exports.py" line="337" />
            <source>Выгрузка отменена пользователем.</source>
            <translation>Export cancelled by the user.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/exports.py" line="94" />
            <source>неизвестный формат «{0}»; есть: {1}</source>
            <translation>unknown format “{0}”; there are: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="144" />
            <source>строка длиннее {0} символов</source>
            <translation>a string longer than {0} characters</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="154" />
            <source>Значение не записано: {0}. Исправьте значение и сохраните снова; ничего не изменено.</source>
            <translation>The value was not saved: {0}. Correct the value and save again; nothing was changed.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="175" />
            <source>Данные противоречат правилам базы данных; ничего не изменено.</source>
            <translation>The data contradict the rules of the database; nothing was changed.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="199" />
            <source>Ошибка файла{0}: {1}.</source>
            <translation>File error{0}: {1}.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="64" />
            <source>Не удалось подключиться к базе{0}: на сервере нет базы данных «{1}». Проверьте имя базы в адресе (--db) или создайте её.</source>
            <translation>Could not connect to the database{0}: the server has no database “{1}”. Check the database name in the address (--db) or create it.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="71" />
            <source>Не удалось подключиться к базе{0}: сервер не принял пользователя{1} или пароль. Проверьте имя пользователя в адресе (--db) и пароль базы данных.</source>
            <translation>Could not connect to the database{0}: the server did not accept the user{1} or the password. Check the user name in the address (--db) and the database password.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="76" />
            <source>Не удалось подключиться к базе{0}: имя сервера не найдено. Проверьте адрес сервера в --db (опечатка?) и сеть.</source>
            <translation>Could not connect to the database{0}: the server name was not found. Check the server address in --db (a typo?) and the network.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="81" />
            <source>Не удалось подключиться к базе{0}: сервер не отвечает. Проверьте, что сервер PostgreSQL запущен, адрес и порт в --db верны и сеть доступна.</source>
            <translation>Could not connect to the database{0}: the server does not answer. Check that the PostgreSQL server is running, the address and port in --db are right and the network is available.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="86" />
            <source>Сервер базы данных{0} не ответил вовремя. Проверьте сеть и нагрузку сервера и повторите.</source>
            <translation>The database server{0} did not answer in time. Check the network and the server load and retry.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="91" />
            <source>Соединение с сервером базы данных{0} прервано. Повторите действие; если не помогает — проверьте, что сервер работает.</source>
            <translation>The connection to the database server{0} was broken. Repeat the action; if that does not help, check that the server is running.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="96" />
            <source>База данных{0} занята другим пользователем или программой. Повторите через минуту; изменения не записаны.</source>
            <translation>The database{0} is busy with another user or program. Retry in a minute; the changes were not saved.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="101" />
            <source>Нет места на диске{0}: изменения не записаны. Освободите место на диске и повторите.</source>
            <translation>No space left on the disk{0}: the changes were not saved. Free some disk space and retry.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="106" />
            <source>Не удалось открыть файл базы данных{0}. Проверьте, что папка существует и у вас есть права на чтение и запись.</source>
            <translation>Could not open the database file{0}. Check that the folder exists and you have the rights to read and write.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="111" />
            <source>База данных{0} открыта только для чтения: нет прав на запись в файл или папку. Проверьте права доступа.</source>
            <translation>The database{0} is open read-only: no right to write to the file or folder. Check the access rights.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="116" />
            <source>Файл{0} не является базой данных crmdesk или повреждён. Проверьте путь (--db) или восстановите базу из резервной копии (crmdesk restore).</source>
            <translation>The file{0} is not a crmdesk database or is damaged. Check the path (--db) or restore the database from a backup (crmdesk restore).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="123" />
            <source>В базе данных{0} нет нужных таблиц: схема не создана или устарела. Выполните «crmdesk db upgrade».</source>
            <translation>The database{0} lacks the needed tables: the schema is not created or is outdated. Run “crmdesk db upgrade”.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="128" />
            <source>Пользователю базы данных{0} не хватает прав на сервере. Попросите администратора PostgreSQL дать права на базу или укажите в --db другого пользователя.</source>
            <translation>The database user{0} lacks rights on the server. Ask the PostgreSQL administrator to grant rights on the database or give another user in --db.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="134" />
            <source>Ошибка чтения или записи диска{0}: изменения не записаны. Проверьте диск и свободное место.</source>
            <translation>Disk read or write error{0}: the changes were not saved. Check the disk and the free space.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="146" />
            <source>число или дата вне допустимого диапазона</source>
            <translation>a number or date out of the allowed range</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="163" />
            <source>Такая запись уже есть: повторяется значение, которое должно быть единственным (номер, логин, код). Измените его и сохраните снова; ничего не изменено.</source>
            <translation>Such a record already exists: a value that must be unique (number, login, code) repeats. Change it and save again; nothing was changed.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="168" />
            <source>Запись ссылается на объект, которого уже нет (или на неё ссылаются другие). Перечитайте данные и повторите; ничего не изменено.</source>
            <translation>The record refers to an object that no longer exists (or others refer to it). Reread the data and retry; nothing was changed.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="174" />
            <source>Поле{0} не заполнено. Заполните его и сохраните снова.</source>
            <translation>Field{0} is empty. Fill it in and save again.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="184" />
            <source>Нет места на диске{0}: файл не записан. Освободите место и повторите.</source>
            <translation>No space left on the disk{0}: the file was not written. Free some space and retry.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="188" />
            <source>Нет прав на файл или папку{0}. Выберите другое место или попросите администратора дать права на запись.</source>
            <translation>No rights to the file or folder{0}. Choose another place or ask the administrator for write rights.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="192" />
            <source>Файл или папка не найдены{0}. Проверьте путь.</source>
            <translation>File or folder not found{0}. Check the path.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="194" />
            <source>Неверный путь{0}: ожидался файл, а не папка (или наоборот).</source>
            <translation>Wrong path{0}: a file was expected, not a folder (or the other way round).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="197" />
            <source>Нет соединения с сервером{0}: {1}. Проверьте сеть и адрес.</source>
            <translation>No connection to the server{0}: {1}. Check the network and the address.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="232" />
            <source>Объект уже изменён другим пользователем, пока вы его редактировали. Перечитайте данные и внесите изменения снова.</source>
            <translation>The object was changed by another user while you were editing it. Reread the data and make your changes again.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="256" />
            <source>Адрес базы данных (--db) указан неверно. Пример: путь к файлу SQLite (C:\crm\base.sqlite) или postgresql://пользователь@сервер:5432/база.</source>
            <translation>The database address (--db) is wrong. Example: the path to an SQLite file (C:\crm\base.sqlite) or postgresql://user@server:5432/database.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="279" />
            <source>Число слишком велико или заполнено неверно (не число). Исправьте его и повторите; ничего не изменено.</source>
            <translation>The number is too large or invalid (not a number). Correct it and retry; nothing was changed.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="292" />
            <source>Недостаточно памяти для этого действия. Закройте лишние окна и программы и повторите; ничего не изменено.</source>
            <translation>Not enough memory for this action. Close unneeded windows and programs and retry; nothing was changed.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="148" />
            <source>значение не того вида (например, буквы вместо числа)</source>
            <translation>a value of the wrong kind (for example, letters instead of a number)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="249" />
            <source>Ошибка базы данных{0}: {1}. Повторите действие; если ошибка повторяется — сообщите администратору.</source>
            <translation>Database error{0}: {1}. Repeat the action; if the error repeats, tell the administrator.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="285" />
            <source>Значение не является числом. Исправьте его и повторите.</source>
            <translation>The value is not a number. Correct it and retry.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="288" />
            <source>Дата заполнена неверно (такого дня нет). Укажите дату в виде ДД.ММ.ГГГГ.</source>
            <translation>The date is invalid (no such day). Give the date as DD.MM.YYYY.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="150" />
            <source>значение не является числом</source>
            <translation>the value is not a number</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/faults.py" line="152" />
            <source>значение не подходит полю базы данных</source>
            <translation>the value does not suit the database field</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="57" />
            <source>Модуль ЖКХ выключен. Включите его: Администрирование → Настройки → «Модуль ЖКХ» (или «crmdesk housing on»).</source>
            <translation>The housing module is off. Turn it on: Administration → Settings → “Housing module” (or “crmdesk housing on”).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="63" />
            <source>Недостаточно прав: пользователь {0} не может менять дома, помещения и счётчики.</source>
            <translation>Insufficient rights: user {0} cannot change buildings, premises and meters.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="70" />
            <source>Недостаточно прав: пользователь {0} не может вносить показания.</source>
            <translation>Insufficient rights: user {0} cannot enter readings.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="82" />
            <source>дом «{0}» уже есть</source>
            <translation>building “{0}” already exists</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="94" />
            <source>дом с кодом {0} не найден</source>
            <translation>building with code {0} not found</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="97" />
            <location filename="../../crmdesk/services/housing.py" line="102" />
            <source>Номер помещения</source>
            <translation>Premises number</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="99" />
            <source>Вид помещения</source>
            <translation>Premises kind</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="99" />
            <source>квартира (flat) или нежилое (nonresidential)</source>
            <translation>flat (flat) or non-residential (nonresidential)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="102" />
            <source>помещение {0} в этом доме уже есть</source>
            <translation>premises {0} already exist in this building</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="116" />
            <location filename="../../crmdesk/services/housing.py" line="142" />
            <source>помещение с кодом {0} не найдено</source>
            <translation>premises with code {0} not found</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="119" />
            <location filename="../../crmdesk/services/housing.py" line="121" />
            <source>Житель</source>
            <translation>Resident</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="119" />
            <source>клиент с кодом {0} не найден</source>
            <translation>client with code {0} not found</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="121" />
            <source>«{0}» — не частное лицо</source>
            <translation>“{0}” is not a private person</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="123" />
            <source>собственник (owner) или наниматель (tenant)</source>
            <translation>owner (owner) or tenant (tenant)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="129" />
            <source>Доля, %</source>
            <translation>Share, %</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="129" />
            <source>сумма долей собственников {0} % больше 100 %</source>
            <translation>the owners' shares add up to {0} %, more than 100 %</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="144" />
            <location filename="../../crmdesk/services/readings_io.py" line="141" />
            <source>Вид счётчика</source>
            <translation>Meter kind</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="144" />
            <location filename="../../crmdesk/services/mailings.py" line="52" />
            <location filename="../../crmdesk/services/processes.py" line="274" />
            <location filename="../../crmdesk/services/processes.py" line="276" />
            <location filename="../../crmdesk/services/requests.py" line="171" />
            <location filename="../../crmdesk/services/requests.py" line="304" />
            <location filename="../../crmdesk/services/sms.py" line="31" />
            <location filename="../../crmdesk/services/templates.py" line="132" />
            <source>«{0}»: можно {1}</source>
            <translation>“{0}”: allowed: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="149" />
            <source>счётчик {0} уже есть</source>
            <translation>meter {0} already exists</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="165" />
            <source>Объект с кодом {0} не найден.</source>
            <translation>Object with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="195" />
            <source>Помещение с кодом {0} не найдено.</source>
            <translation>Premises with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="336" />
            <source>счётчик с кодом {0} не найден</source>
            <translation>meter with code {0} not found</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="342" />
            <source>{0} ещё не наступила</source>
            <translation>{0} has not come yet</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="346" />
            <source>заполнено неверно: </source>
            <translation>is invalid: </translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="406" />
            <source>не заполнено ни одно показание</source>
            <translation>no reading is filled in</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="429" />
            <source>Недостаточно прав: уведомления об отключениях даёт диспетчер.</source>
            <translation>Insufficient rights: outage notices are given by the dispatcher.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="436" />
            <source>не позже начала</source>
            <translation>not later than the start</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="439" />
            <source>не заполнено или дом не найден</source>
            <translation>empty or the building was not found</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="468" />
            <source>Отключение с кодом {0} не найдено.</source>
            <translation>Outage with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="294" />
            <source>{0} меньше предыдущего ({1} за {2}), счётчик {3}</source>
            <translation>{0} is less than the previous one ({1} for {2}), meter {3}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/housing.py" line="299" />
            <source>{0} больше следующего ({1} за {2}), счётчик {3}</source>
            <translation>{0} is more than the next one ({1} for {2}), meter {3}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" line="308" />
            <source>неизвестное поле «{0}»; допустимо: {1}</source>
            <translation>unknown field “{0}”; allowed: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" line="327" />
            <source>в файле нет колонки «{0}»; колонки: {1}</source>
            <translation>the file has no column “{0}”; columns: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" line="346" />
            <source>ожидается объект {"колонка": "поле"}</source>
            <translation>an object {"column": "field"} is expected</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" line="338" />
            <source>ни JSON, ни файл: «{0}»</source>
            <translation>neither JSON nor a file: “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/columns.py" line="344" />
            <source>неверный JSON: {0}</source>
            <translation>invalid JSON: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/rows.py" line="332" />
            <source>адрес длиннее {0} знаков</source>
            <translation>address longer than {0} characters</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/run.py" line="794" />
            <source>Не найдено ни одной колонки с наименованием, телефоном или e-mail (лист «{0}», строка заголовка {1}; колонки: {2}). Укажите колонки вручную (--mapping).</source>
            <translation>No column with a name, phone or e-mail was found (sheet “{0}”, header row {1}; columns: {2}). Give the columns by hand (--mapping).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/run.py" line="819" />
            <source>В файле {0} нет данных (лист «{1}» пуст).</source>
            <translation>The file {0} has no data (sheet “{1}” is empty).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/run.py" line="693" />
            <source>Загрузка прервана, база не изменена: клиентов, с которыми объединяются строки, в это время изменил другой пользователь. Повторите загрузку.</source>
            <translation>Loading interrupted, the database is unchanged: the clients the rows merge with were changed by another user meanwhile. Repeat the loading.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/sources.py" line="245" />
            <source>Файл {0} не похож на таблицу CSV: в начале файла {1}% непечатаемых символов — это двоичный файл или текст в неизвестной кодировке. Сохраните таблицу как CSV (UTF-8 или Windows-1251) или XLSX.</source>
            <translation>The file {0} does not look like a CSV table: {1}% of the characters at its start are unprintable — it is a binary file or text in an unknown encoding. Save the table as CSV (UTF-8 or Windows-1251) or XLSX.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/sources.py" line="379" />
            <source>Файл {0} в старом формате Excel (.xls): сохраните его как .xlsx или .csv.</source>
            <translation>The file {0} is in the old Excel format (.xls): save it as .xlsx or .csv.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/sources.py" line="382" />
            <source>Файл {0} не похож ни на таблицу, ни на vCard.</source>
            <translation>The file {0} looks neither like a table nor like a vCard.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/sources.py" line="105" />
            <source>В файле {0} нет листа «{1}»; листы: {2}.</source>
            <translation>The file {0} has no sheet “{1}”; sheets: {2}.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/sources.py" line="261" />
            <source>Файл {0}, строка файла {1}: длиннее {2} млн символов — это не таблица CSV.</source>
            <translation>File {0}, file line {1}: longer than {2} million characters — this is not a CSV table.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/sources.py" line="75" />
            <source>В файле {0} (лист «{1}») строка {2} пуста или её нет: заголовок не может быть в ней.</source>
            <translation>In the file {0} (sheet “{1}”) row {2} is empty or missing: the header cannot be in it.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/sources.py" line="135" />
            <location filename="../../crmdesk/services/imports/sources.py" line="158" />
            <location filename="../../crmdesk/services/imports/sources.py" line="170" />
            <location filename="../../crmdesk/services/imports/sources.py" line="179" />
            <source>Файл {0} не загружен: {1}.</source>
            <translation>The file {0} was not loaded: {1}.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/sources.py" line="137" />
            <source>Файл {0} не читается как книга Excel: {1}</source>
            <translation>The file {0} cannot be read as an Excel workbook: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/sources.py" line="161" />
            <source>Файл {0}, лист «{1}»: книга Excel повреждена после строки {2} ({3})</source>
            <translation>File {0}, sheet “{1}”: the Excel workbook is damaged after row {2} ({3})</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/sources.py" line="294" />
            <source>Файл {0}, запись 1: {1}</source>
            <translation>File {0}, record 1: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/sources.py" line="319" />
            <source>Файл {0}, запись {1} (строка файла {2}): {3}</source>
            <translation>File {0}, record {1} (file line {2}): {3}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/sources.py" line="312" />
            <source>Файл {0}, запись {1} (строка файла {2}): в ней {3} полей, а загружаются таблицы не шире {4} колонок.</source>
            <translation>File {0}, record {1} (file line {2}): it has {3} fields, but tables no wider than {4} columns are loaded.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/xlsx.py" line="100" />
            <source>ссылка на ячейку «{0}»</source>
            <translation>reference to cell “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/xlsx.py" line="537" />
            <source>число «{0}…»</source>
            <translation>number “{0}…”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/xlsx.py" line="274" />
            <source>в книге нет листов</source>
            <translation>the workbook has no sheets</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/xlsx.py" line="277" />
            <source>нет данных листа «{0}»</source>
            <translation>no data of sheet “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/xlsx.py" line="304" />
            <source>общая строка внутри общей строки</source>
            <translation>a shared string inside a shared string</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/imports/xlsx.py" line="405" />
            <source>строка внутри строки {0}</source>
            <translation>a string inside string {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/interactions.py" line="34" />
            <source>неизвестен «{0}»; допустимо: {1}</source>
            <translation>unknown “{0}”; allowed: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/interactions.py" line="77" />
            <location filename="../../crmdesk/services/sms.py" line="109" />
            <source>Поле «Контактное лицо»: контакт с кодом {0} не найден.</source>
            <translation>Field “Contact person”: contact with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/interactions.py" line="80" />
            <source>«{0}» — контакт другого клиента ({1})</source>
            <translation>“{0}” is a contact of another client ({1})</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/interactions.py" line="89" />
            <source>Поле «{0}»: пользователь с кодом {1} не найден.</source>
            <translation>Field “{0}”: user with code {1} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/leads.py" line="79" />
            <source>Потенциальный клиент с кодом {0} не найден.</source>
            <translation>Lead with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/leads.py" line="112" />
            <source>потенциальный клиент «{0}» уже {1}</source>
            <translation>lead “{0}” is already {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/limits.py" line="114" />
            <source>число больше допустимого ({0})</source>
            <translation>the number is more than allowed ({0})</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/limits.py" line="119" />
            <source>не может быть {0}</source>
            <translation>cannot be {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/limits.py" line="152" />
            <source>ставка {0} % не из списка ({1} %)</source>
            <translation>rate {0} % is not in the list ({1} %)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/limits.py" line="167" />
            <source>содержит недопустимый символ (NUL)</source>
            <translation>contains a forbidden character (NUL)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/limits.py" line="170" />
            <source>длина {0} знаков больше допустимой ({1})</source>
            <translation>length of {0} characters is more than allowed ({1})</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/limits.py" line="187" />
            <location filename="../../crmdesk/services/limits.py" line="189" />
            <location filename="../../crmdesk/services/readings_io.py" line="117" />
            <location filename="../../crmdesk/services/records.py" line="188" />
            <source>«{0}» — не дата</source>
            <translation>“{0}” is not a date</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/limits.py" line="191" />
            <source>год должен быть от {0} до {1}</source>
            <translation>the year must be from {0} to {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/limits.py" line="124" />
            <source>не более {0} знаков после запятой («{1}»)</source>
            <translation>no more than {0} decimal places (“{1}”)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/limits.py" line="233" />
            <source>ожидается текст, а не «{0}»</source>
            <translation>text is expected, not “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/limits.py" line="239" />
            <location filename="../../crmdesk/services/requestcatalog.py" line="27" />
            <source>«{0}» — не целое число</source>
            <translation>“{0}” is not a whole number</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/limits.py" line="241" />
            <source>число больше допустимого</source>
            <translation>the number is more than allowed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" line="257" />
            <source>«{0}» — не дата (ожидается дд.мм.гггг)</source>
            <translation>“{0}” is not a date (dd.mm.yyyy expected)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" line="155" />
            <source>в списке «{0}» нет колонки «{1}»</source>
            <translation>list “{0}” has no column “{1}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" line="287" />
            <source>Условие</source>
            <translation>Condition</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" line="287" />
            <source>неизвестно «{0}»</source>
            <translation>unknown “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" line="299" />
            <source>значение для отбора не заполнено</source>
            <translation>the filter value is empty</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" line="222" />
            <location filename="../../crmdesk/services/segments.py" line="45" />
            <source>Отбор</source>
            <translation>Filter</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" line="222" />
            <source>в списке «{0}» нет отбора «{1}»</source>
            <translation>list “{0}” has no filter “{1}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" line="246" />
            <source>значение «{0}» не подходит: {1}</source>
            <translation>value “{0}” does not fit: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" line="267" />
            <source>«{0}» — не число дней</source>
            <translation>“{0}” is not a number of days</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/lists.py" line="1227" />
            <source>Список</source>
            <translation>List</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="70" />
            <source>«{0}»: адрес должен начинаться с {1}</source>
            <translation>“{0}”: the address must start with {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="72" />
            <source>«{0}»: не указан сервер</source>
            <translation>“{0}”: no server given</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="105" />
            <source>От кого</source>
            <translation>From</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="112" />
            <source>Писем в минуту</source>
            <translation>Messages per minute</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="114" />
            <source>Ответственный за лиды</source>
            <translation>Responsible for leads</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="114" />
            <source>можно fixed или turns</source>
            <translation>fixed or turns are allowed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="162" />
            <source>Почта не настроена: задайте учётную запись в «Администрирование → Почта» или командой «crmdesk mail account».</source>
            <translation>Mail is not set up: give the account in “Administration → Mail” or with “crmdesk mail account”.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="181" />
            <source>у учётной записи «{0}» не задан сервер IMAP</source>
            <translation>account “{0}” has no IMAP server</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="190" />
            <source>Учётная запись почты с кодом {0} не найдена.</source>
            <translation>Mail account with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="239" />
            <source>«{0}» не имеет печатной формы для отправки</source>
            <translation>“{0}” has no print form to send</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="241" />
            <source>Формат</source>
            <translation>Format</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="241" />
            <source>«{0}» печатается только в </source>
            <translation>“{0}” is printed only in </translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="253" />
            <location filename="../../crmdesk/services/mail.py" line="279" />
            <source>Кому</source>
            <translation>To</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="345" />
            <source>Документ № {0} ({1}) не найден.</source>
            <translation>Document No. {0} ({1}) not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="110" />
            <source>Поле «Пользователь»: пользователь «{0}» не найден.</source>
            <translation>Field “User”: user “{0}” not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="119" />
            <source>Поле «Менеджер лидов»: пользователь «{0}» не найден.</source>
            <translation>Field “Lead manager”: user “{0}” not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="253" />
            <source>у клиента «{0}» нет адреса e-mail; укажите адрес</source>
            <translation>client “{0}” has no e-mail address; give the address</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mail.py" line="262" />
            <source>Нет шаблона письма для «{0}»: укажите шаблон.</source>
            <translation>No mail template for “{0}”: choose a template.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mailings.py" line="54" />
            <source>«{0}» — шаблон для {1}, а рассылка — {2}</source>
            <translation>“{0}” is a template for {1}, but the mailing is {2}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mailings.py" line="149" />
            <location filename="../../crmdesk/services/mailings.py" line="280" />
            <source>Рассылка с кодом {0} не найдена.</source>
            <translation>Mailing with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/mailings.py" line="330" />
            <source>Поле «Контактное лицо»: у клиента «{0}» нет контакта с кодом {1}.</source>
            <translation>Field “Contact person”: client “{0}” has no contact with code {1}.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/merge.py" line="123" />
            <source>Выберите два разных клиента: клиент не объединяется сам с собой.</source>
            <translation>Choose two different clients: a client is not merged with itself.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/merge.py" line="202" />
            <source>Поля {0} не переносятся при объединении.</source>
            <translation>Fields {0} are not carried over when merging.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/merge.py" line="129" />
            <source>Клиент «{0}» помечен на удаление: снимите пометку или выберите другого клиента.</source>
            <translation>Client “{0}” is marked for deletion: clear the mark or choose another client.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/pg_backup.py" line="63" />
            <source>Проверка восстановлением — для базы PostgreSQL; копии SQLite проверяются integrity_check при создании.</source>
            <translation>Checking by restoring is for a PostgreSQL database; SQLite backups are checked by integrity_check when made.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/pg_backup.py" line="68" />
            <source>{0}: это не копия pg_dump (формат custom).</source>
            <translation>{0}: this is not a pg_dump backup (custom format).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/pg_backup.py" line="79" />
            <source>Копия {0} НЕ восстанавливается: {1}</source>
            <translation>Backup {0} CANNOT be restored: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/phones.py" line="56" />
            <location filename="../../crmdesk/services/phones.py" line="58" />
            <source>номер невозможен: «{0}»</source>
            <translation>impossible number: “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/plans.py" line="31" />
            <source>Месяц</source>
            <translation>Month</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/plans.py" line="31" />
            <source>«{0}» — нужен месяц вида 12.2026</source>
            <translation>“{0}” — a month like 12.2026 is needed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/plans.py" line="52" />
            <source>План</source>
            <translation>Plan</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/plans.py" line="52" />
            <source>не может быть отрицательным</source>
            <translation>cannot be negative</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/processes.py" line="134" />
            <source>Процесс с кодом {0} не найден.</source>
            <translation>Process with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/processes.py" line="184" />
            <source>«{0}»: нужен цвет вида #A0C4FF</source>
            <translation>“{0}”: a colour like #A0C4FF is needed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/processes.py" line="269" />
            <source>Правило с кодом {0} не найдено.</source>
            <translation>Rule with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/processes.py" line="225" />
            <source>«{0}» уже есть в этом процессе</source>
            <translation>“{0}” already exists in this process</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/processes.py" line="229" />
            <source>от 0 до 100</source>
            <translation>from 0 to 100</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/processes.py" line="244" />
            <source>Этап «{0}» нельзя удалить: на нём есть сделки.</source>
            <translation>Stage “{0}” cannot be deleted: it has deals.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/processes.py" line="259" />
            <source>нет этапа «{0}»</source>
            <translation>no stage “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/processes.py" line="294" />
            <source>«{0}» — шаблон для {1}, а правило отправляет {2}</source>
            <translation>“{0}” is a template for {1}, but the rule sends {2}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/readings_io.py" line="99" />
            <source>В файле нет колонок: </source>
            <translation>The file lacks the columns: </translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/readings_io.py" line="101" />
            <source>. Первая строка — заголовок: «Заводской номер», «Показание», «Дата».</source>
            <translation>. The first row is the header: “Serial number”, “Reading”, “Date”.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/readings_io.py" line="147" />
            <source>счётчик «{0}» не найден (или их несколько: укажите вид)</source>
            <translation>meter “{0}” not found (or there are several: give the kind)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/readings_io.py" line="152" />
            <source>показание этого счётчика за месяц уже есть выше в файле</source>
            <translation>this meter's reading for the month is already given above in the file</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/readings_io.py" line="141" />
            <source>«{0}» — нет такого вида</source>
            <translation>“{0}” — no such kind</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="159" />
            <source>группа «{0}» уже есть</source>
            <translation>group “{0}” already exists</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="177" />
            <source>контактное лицо нельзя перенести к другому клиенту</source>
            <translation>a contact person cannot be moved to another client</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="205" />
            <source>не выбрана</source>
            <translation>not chosen</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="210" />
            <source>нельзя отключить самого себя</source>
            <translation>you cannot disable yourself</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="218" />
            <location filename="../../crmdesk/services/records.py" line="220" />
            <source>Права</source>
            <translation>Rights</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="218" />
            <source>неизвестные права: {0}</source>
            <translation>unknown rights: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="220" />
            <source>у роли «Администратор» нельзя отнять администрирование</source>
            <translation>the “Administrator” role cannot lose administration</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="260" />
            <source>Недостаточно прав: это чужая задача.</source>
            <translation>Insufficient rights: this is someone else's task.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="267" />
            <source>поручать задачи другим может руководитель</source>
            <translation>only a head may assign tasks to others</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="269" />
            <location filename="../../crmdesk/services/tasks.py" line="39" />
            <source>1 — высокая, 2 — обычная, 3 — низкая</source>
            <translation>1 — high, 2 — normal, 3 — low</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="455" />
            <source>{0} с кодом {1} не найден(а).</source>
            <translation>{0} with code {1} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="458" />
            <source>Недостаточно прав: карточки пользователей открывает администратор.</source>
            <translation>Insufficient rights: user cards are opened by the administrator.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="521" />
            <source>«{0}» не помечается на удаление</source>
            <translation>“{0}” is not marked for deletion</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="523" />
            <source>нельзя пометить на удаление самого себя</source>
            <translation>you cannot mark yourself for deletion</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="199" />
            <source>«{0}» уже занято</source>
            <translation>“{0}” is already taken</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="277" />
            <source>не найден</source>
            <translation>not found</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/records.py" line="448" />
            <source>Вид объекта</source>
            <translation>Object kind</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestcatalog.py" line="17" />
            <source>Недостаточно прав: пользователь {0} не может менять справочники заявок.</source>
            <translation>Insufficient rights: user {0} cannot change the request catalogues.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestcatalog.py" line="30" />
            <source>от 0 до {0}</source>
            <translation>from 0 to {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestcatalog.py" line="47" />
            <source>укажите срок в рабочих днях или в часах, не оба</source>
            <translation>give the term in working days or in hours, not both</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestcatalog.py" line="52" />
            <location filename="../../crmdesk/services/requestcatalog.py" line="78" />
            <location filename="../../crmdesk/services/requests.py" line="340" />
            <source>Подрядчик</source>
            <translation>Contractor</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestcatalog.py" line="52" />
            <location filename="../../crmdesk/services/requestcatalog.py" line="78" />
            <location filename="../../crmdesk/services/requests.py" line="340" />
            <source>подрядчик с кодом {0} не найден</source>
            <translation>contractor with code {0} not found</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestcatalog.py" line="55" />
            <source>категория «{0}» уже есть</source>
            <translation>category “{0}” already exists</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestcatalog.py" line="59" />
            <source>категория с кодом {0} не найдена</source>
            <translation>category with code {0} not found</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestcatalog.py" line="117" />
            <source>от 1 до 365</source>
            <translation>from 1 to 365</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="89" />
            <source>Заявка с кодом {0} не найдена (или недоступна вам).</source>
            <translation>Request with code {0} not found (or not available to you).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="101" />
            <source>Заявка № {0} не найдена (или недоступна вам).</source>
            <translation>Request No. {0} not found (or not available to you).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="131" />
            <source>нет категории «{0}»; есть: {1}</source>
            <translation>no category “{0}”; there are: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="149" />
            <source>не найдено значение с кодом «{0}»</source>
            <translation>no value with code “{0}” found</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="162" />
            <source>Недостаточно прав: пользователь {0} не может регистрировать заявки.</source>
            <translation>Insufficient rights: user {0} cannot register requests.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="188" />
            <source>не заполнено: выберите клиента или укажите имя и телефон</source>
            <translation>empty: choose a client or give a name and phone</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="194" />
            <location filename="../../crmdesk/services/requests.py" line="385" />
            <source>1 — высокий, 2 — обычный, 3 — низкий</source>
            <translation>1 — high, 2 — normal, 3 — low</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="245" />
            <location filename="../../crmdesk/services/telephony.py" line="249" />
            <source>Звонок с кодом {0} не найден.</source>
            <translation>Call with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="262" />
            <source>Входящее письмо с кодом {0} не найдено.</source>
            <translation>Incoming message with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="307" />
            <source>из «{0}» нельзя перейти в «{1}»; можно: {2}</source>
            <translation>cannot go from “{0}” to “{1}”; allowed: {2}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="315" />
            <source>не заполнено: назначьте исполнителя</source>
            <translation>empty: assign an executor</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="317" />
            <source>не заполнено: укажите причину («{0}»)</source>
            <translation>empty: give the reason (“{0}”)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="331" />
            <source>Недостаточно прав: назначает исполнителя диспетчер.</source>
            <translation>Insufficient rights: the dispatcher assigns the executor.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="334" />
            <source>заявка уже «{0}»</source>
            <translation>the request is already “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="380" />
            <source>Недостаточно прав: заявку № {0} меняет диспетчер.</source>
            <translation>Insufficient rights: request No. {0} is changed by the dispatcher.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="387" />
            <source>можно {0}</source>
            <translation>allowed: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requests.py" line="312" />
            <source>Недостаточно прав: менять статус заявки № {0} на «{1}» может диспетчер.</source>
            <translation>Insufficient rights: only the dispatcher may change the status of request No. {0} to “{1}”.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestwork.py" line="48" />
            <location filename="../../crmdesk/services/requestwork.py" line="60" />
            <location filename="../../crmdesk/services/requestwork.py" line="100" />
            <source>Работы и материалы</source>
            <translation>Work and materials</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestwork.py" line="80" />
            <source>Подтверждение заявителя</source>
            <translation>Requester's confirmation</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestwork.py" line="81" />
            <source>заявка «{0}», а не «Выполнена»</source>
            <translation>the request is “{0}”, not “Done”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestwork.py" line="96" />
            <source>заявка бесплатная: заказ не нужен</source>
            <translation>the request is free: no order is needed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestwork.py" line="98" />
            <source>не заполнено: заказ создаётся на клиента</source>
            <translation>empty: the order is made out to the client</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestwork.py" line="102" />
            <source>по заявке уже создан заказ (код {0})</source>
            <translation>an order has already been created for the request (code {0})</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestwork.py" line="125" />
            <source>Недостаточно прав: сроки заявок проверяет диспетчер (пользователь {0} — не диспетчер).</source>
            <translation>Insufficient rights: request terms are checked by the dispatcher (user {0} is not a dispatcher).</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestwork.py" line="162" />
            <source>Недостаточно прав: файлы к заявке № {0} прикладывают её исполнитель и диспетчер.</source>
            <translation>Insufficient rights: files are attached to request No. {0} by its executor and the dispatcher.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/requestwork.py" line="57" />
            <source>не найдена: «{0}»</source>
            <translation>not found: “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" line="52" />
            <source>Недостаточно прав: у пользователя {0} нет права «{1}».</source>
            <translation>Insufficient rights: user {0} has no right “{1}”.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" line="79" />
            <source>Недостаточно прав: клиент закреплён за другим менеджером. Обратитесь к руководителю, если он нужен вам в работе.</source>
            <translation>Insufficient rights: the client is assigned to another manager. Ask the head if you need it in your work.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/rights.py" line="88" />
            <source>Недостаточно прав для изменения клиента{0}: он закреплён за другим менеджером.</source>
            <translation>Insufficient rights to change the client{0}: it is assigned to another manager.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/segments.py" line="45" />
            <source>неизвестные условия: {0}</source>
            <translation>unknown conditions: {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/segments.py" line="59" />
            <source>Поле «Группа»: группа «{0}» не найдена.</source>
            <translation>Field “Group”: group “{0}” not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/sessions.py" line="145" />
            <source>Сеанс {0} не найден.</source>
            <translation>Session {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/sessions.py" line="147" />
            <source>Сеанс {0} уже завершён.</source>
            <translation>Session {0} has already ended.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/sessions.py" line="88" />
            <location filename="../../crmdesk/services/sessions.py" line="165" />
            <source>сеанс удалён</source>
            <translation>the session was deleted</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/sms.py" line="31" />
            <source>Провайдер</source>
            <translation>Provider</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/sms.py" line="34" />
            <source>Адрес сервиса</source>
            <translation>Service address</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/sms.py" line="34" />
            <source>«{0}»: нужен адрес http:// или https://</source>
            <translation>“{0}”: an http:// or https:// address is needed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/sms.py" line="36" />
            <location filename="../../crmdesk/services/users.py" line="148" />
            <location filename="../../crmdesk/services/users.py" line="150" />
            <source>Логин</source>
            <translation>Login</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/sms.py" line="36" />
            <source>для SMSC.ru не заполнено</source>
            <translation>is empty for SMSC.ru</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/sms.py" line="38" />
            <source>не длиннее 11 латинских букв и цифр</source>
            <translation>no longer than 11 Latin letters and digits</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/sms.py" line="40" />
            <source>Сообщений в минуту</source>
            <translation>Messages per minute</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/sms.py" line="59" />
            <source>SMS не настроены: выберите провайдера в «Администрирование → SMS» или командой «crmdesk sms provider».</source>
            <translation>SMS are not set up: choose a provider in “Administration → SMS” or with “crmdesk sms provider”.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/tasks.py" line="131" />
            <source>неизвестный срок «{0}»: {1}</source>
            <translation>unknown term “{0}”: {1}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/tasks.py" line="32" />
            <source>Поле «Исполнитель»: пользователь с кодом {0} не найден.</source>
            <translation>Field “Executor”: user with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/tasks.py" line="65" />
            <source>Задача с кодом {0} не найдена.</source>
            <translation>Task with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/tasks.py" line="140" />
            <source>Отложить напоминание может исполнитель задачи.</source>
            <translation>Only the task's executor may postpone its reminder.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/telephony.py" line="263" />
            <source>номер не принадлежит ни одному клиенту: создайте клиента или лида</source>
            <translation>the number belongs to no client: create a client or a lead</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/telephony.py" line="389" />
            <source>Звонок ещё не записан: повторите через секунду.</source>
            <translation>The call is not recorded yet: retry in a second.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/telephony_setup.py" line="69" />
            <source>Телефония не настроена: выполните «crmdesk telephony setup --host … --port 5038 --ami-user …» или укажите АТС в настройках.</source>
            <translation>Telephony is not set up: run “crmdesk telephony setup --host … --port 5038 --ami-user …” or give the PBX in the settings.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/telephony_setup.py" line="43" />
            <source>Порт</source>
            <translation>Port</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/telephony_setup.py" line="43" />
            <source>«{0}» — нужно число от 1 до 65535</source>
            <translation>“{0}” — a number from 1 to 65535 is needed</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/telephony_setup.py" line="86" />
            <source>«{0}» — нужны только цифры, до 8</source>
            <translation>“{0}” — digits only, up to 8</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/telephony_setup.py" line="90" />
            <source>{0} уже у пользователя {1} ({2})</source>
            <translation>{0} is already used by user {1} ({2})</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/templates.py" line="114" />
            <source>Шаблон «{0}» не найден.</source>
            <translation>Template “{0}” not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/templates.py" line="139" />
            <source>Шаблон с кодом {0} не найден.</source>
            <translation>Template with code {0} not found.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/templates.py" line="121" />
            <source>неизвестное поле {{{0}}}; доступны: </source>
            <translation>unknown field {{{0}}}; available: </translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/templates.py" line="154" />
            <source>неизвестное поле {{{0}}}</source>
            <translation>unknown field {{{0}}}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/users.py" line="110" />
            <location filename="../../crmdesk/services/users.py" line="120" />
            <location filename="../../crmdesk/services/users.py" line="122" />
            <source>Неверное имя пользователя или пароль.</source>
            <translation>Wrong user name or password.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/users.py" line="150" />
            <source>пользователь «{0}» уже существует</source>
            <translation>user “{0}” already exists</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/users.py" line="153" />
            <source>нет роли «{0}»</source>
            <translation>no role “{0}”</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/users.py" line="116" />
            <source>У пользователя «{0}» нет пароля, а вход без пароля запрещён настройкой базы. Администратор задаёт пароль: «crmdesk users password {1}» или в форме пользователя.</source>
            <translation>User “{0}” has no password, and signing in without a password is forbidden by the database setting. The administrator sets the password: “crmdesk users password {1}” or in the user form.</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/validation.py" line="46" />
            <source>должен содержать 10 или 12 цифр</source>
            <translation>must contain 10 or 12 digits</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/validation.py" line="54" />
            <location filename="../../crmdesk/services/validation.py" line="77" />
            <location filename="../../crmdesk/services/validation.py" line="90" />
            <source>неверное контрольное число</source>
            <translation>wrong check digit</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/validation.py" line="64" />
            <source>должен содержать 9 знаков (4 цифры, 2 цифры или буквы, 3 цифры)</source>
            <translation>must contain 9 characters (4 digits, 2 digits or letters, 3 digits)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/validation.py" line="74" />
            <source>должен содержать 13 цифр (ОГРН) или 15 (ОГРНИП)</source>
            <translation>must contain 13 digits (OGRN) or 15 (OGRNIP)</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/validation.py" line="88" />
            <source>должен содержать 15 цифр</source>
            <translation>must have 15 digits</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/validation.py" line="140" />
            <source>должен содержать 9 цифр и начинаться с 04</source>
            <translation>must contain 9 digits and start with 04</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/validation.py" line="154" />
            <source>должен содержать 20 цифр</source>
            <translation>must contain 20 digits</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/validation.py" line="165" />
            <location filename="../../crmdesk/services/validation.py" line="176" />
            <source>неверный контрольный ключ для БИК {0}</source>
            <translation>wrong check key for BIK {0}</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/validation.py" line="112" />
            <source>{0} должен содержать {1} цифр</source>
            <translation>{0} must contain {1} digits</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/validation.py" line="117" />
            <location filename="../../crmdesk/services/validation.py" line="123" />
            <source>{0} не заполняется</source>
            <translation>{0} is not filled in</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/validation.py" line="129" />
            <source>должен содержать 13 цифр</source>
            <translation>must have 13 digits</translation>
        </message>
        <message>
            <location filename="../../crmdesk/services/validation.py" line="187" />
            <source>неверный адрес электронной почты «{0}»</source>
            <translation>invalid e-mail address “{0}”</translation>
        </message>
    </context>
    <context>
        <name>LoginDialog</name>
        <message>
            <location filename="../../crmdesk/ui/shell/login.py" line="72" />
            <source>Вход в crmdesk</source>
            <translation>Sign in to crmdesk</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/login.py" line="102" />
            <source>Войти</source>
            <translation>Sign in</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/login.py" line="103" />
            <source>Отмена</source>
            <translation>Cancel</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/login.py" line="109" />
            <source>База данных:</source>
            <translation>Database:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/login.py" line="110" />
            <source>Пользователь:</source>
            <translation>User:</translation>
        </message>
        <message>
            <location filename="../../crmdesk/ui/shell/login.py" line="111" />
            <source>Пароль:</source>
            <translation>Password:</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <location filename="../../crmdesk/ui/shell/mainwindow.py" line="337" />
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
            <source>Эл. почта</source>
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
