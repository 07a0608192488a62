# Builds the Windows installer in one command, from a clean checkout:
#
#   powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1
#
# Needs: Python 3.11 or 3.12 (64-bit, python.org installer, "Add to PATH") and Inno Setup 6.2+
# (ISCC.exe; found on PATH or in its default folder). Makes a fresh virtual environment in
# build\venv, installs crmdesk with PyInstaller into it, builds dist\crmdesk\ and then
# dist\crmdesk-VERSION-setup.exe. See docs/installers.md.
$ErrorActionPreference = "Stop"
$root = Resolve-Path "$PSScriptRoot\..\.."
Set-Location $root

$iscc = (Get-Command ISCC.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) {
  foreach ($dir in "${env:ProgramFiles(x86)}\Inno Setup 6", "$env:ProgramFiles\Inno Setup 6") {
    if (Test-Path "$dir\ISCC.exe") { $iscc = "$dir\ISCC.exe" }
  }
}
if (-not $iscc) { throw "Inno Setup 6 (ISCC.exe) not found: install it from jrsoftware.org" }
$env:PATH = (Split-Path $iscc) + ";" + $env:PATH

py -3 -m venv build\venv
& build\venv\Scripts\python.exe -m pip install --upgrade pip
& build\venv\Scripts\python.exe -m pip install ".[installer]"
& build\venv\Scripts\python.exe installers\build.py
if ($LASTEXITCODE -ne 0) { throw "the build failed" }
& dist\crmdesk\crmdesk-cli.exe --version
Get-ChildItem dist\crmdesk-*-setup.exe
