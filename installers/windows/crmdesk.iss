; Inno Setup script: crmdesk for Windows. Built by installers/build.py, which passes
; /DAppVersion=… and /DSourceDir=…\dist\crmdesk (the PyInstaller folder).
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\crmdesk"
#endif

[Setup]
AppId={{6C1B8E0A-2F4D-4C8B-9E0F-7A3D5B1C2E44}
AppName=crmdesk
AppVersion={#AppVersion}
AppPublisher=crmdesk
DefaultDirName={autopf}\crmdesk
DefaultGroupName=crmdesk
OutputBaseFilename=crmdesk-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\app.ico
UninstallDisplayIcon={app}\crmdesk.exe
Compression=lzma2
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog

[Languages]
Name: "ru"; MessagesFile: "compiler:Languages\Russian.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\crmdesk"; Filename: "{app}\crmdesk.exe"
Name: "{group}\{cm:UninstallProgram,crmdesk}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\crmdesk"; Filename: "{app}\crmdesk.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\crmdesk.exe"; Description: "{cm:LaunchProgram,crmdesk}"; Flags: nowait postinstall skipifsilent

; The database and backups live in %LOCALAPPDATA%\crmdesk and are kept on uninstall.
