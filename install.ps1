<#
.SYNOPSIS
Installs dcm for the current Windows user: dcm.exe, and docker-credential-dcm.exe beside it (the
name Docker runs for "credsStore": "dcm"), in a folder on the user's PATH.

.DESCRIPTION
Run it from an unpacked release zip (dcm.exe is beside this script), from a checkout after
`npm ci; npm run build` (dist\dcm.exe), or with -Archive and the zip you downloaded: the zip's
SHA-256 is checked against SHA256SUMS beside it before anything is unpacked.

.EXAMPLE
.\install.ps1 -Archive .\dcm-0.1.0-win32-x64.zip -ConfigureDocker

.EXAMPLE
.\install.ps1 -Uninstall
#>
[CmdletBinding()]
param(
  # Where dcm.exe goes (default: %LOCALAPPDATA%\Programs\dcm).
  [string]$Prefix = (Join-Path $env:LOCALAPPDATA 'Programs\dcm'),
  # A release zip to install from; SHA256SUMS must sit beside it.
  [string]$Archive,
  # Also set "credsStore": "dcm" in Docker's config.json (dcm setup: backed up first, other keys kept).
  [switch]$ConfigureDocker,
  # Put credsStore back as it was before dcm, then remove dcm and its PATH entry.
  [switch]$Uninstall
)
$ErrorActionPreference = 'Stop'

function Get-UserPath { [Environment]::GetEnvironmentVariable('Path', 'User') -split ';' | Where-Object { $_ -ne '' } }
function Set-UserPath([string[]]$Entries) { [Environment]::SetEnvironmentVariable('Path', ($Entries -join ';'), 'User') }

$exe = Join-Path $Prefix 'dcm.exe'
$helper = Join-Path $Prefix 'docker-credential-dcm.exe'

if ($Uninstall) {
  if (Test-Path $exe) { & $exe setup --undo }
  Remove-Item -Force -ErrorAction SilentlyContinue $helper, $exe
  Set-UserPath (Get-UserPath | Where-Object { $_ -ne $Prefix })
  Write-Output "Removed dcm from $Prefix and from your PATH. Credentials stay in Credential Manager; 'dcm logout --all' before uninstalling removes them."
  exit 0
}

$source = $null
if ($Archive) {
  $sums = Join-Path (Split-Path -Parent (Resolve-Path $Archive)) 'SHA256SUMS'
  if (-not (Test-Path $sums)) { throw "install.ps1: no SHA256SUMS beside $Archive; download it from the same release" }
  $name = Split-Path -Leaf $Archive
  $line = Get-Content $sums | Where-Object { $_ -match "^[0-9a-f]{64}  $([regex]::Escape($name))$" } | Select-Object -First 1
  if (-not $line) { throw "install.ps1: SHA256SUMS has no line for $name" }
  $actual = (Get-FileHash -Algorithm SHA256 $Archive).Hash.ToLowerInvariant()
  if ($actual -ne $line.Substring(0, 64)) { throw "install.ps1: $name has SHA-256 $actual, not the $($line.Substring(0, 64)) SHA256SUMS gives: not installing it" }
  $unpacked = Join-Path ([IO.Path]::GetTempPath()) "dcm-install-$PID"
  Expand-Archive -Force $Archive $unpacked
  $source = Get-ChildItem -Recurse -Filter dcm.exe $unpacked | Select-Object -First 1 -ExpandProperty FullName
} elseif (Test-Path (Join-Path $PSScriptRoot 'dcm.exe')) {
  $source = Join-Path $PSScriptRoot 'dcm.exe'
} elseif (Test-Path (Join-Path $PSScriptRoot 'dist\dcm.exe')) {
  $source = Join-Path $PSScriptRoot 'dist\dcm.exe'
}
if (-not $source) { throw "install.ps1: no dcm.exe beside this script or in dist\ (in a checkout: npm ci; npm run build)" }

New-Item -ItemType Directory -Force $Prefix | Out-Null
# Copy, then rename over the old one: a docker pull running the old helper is not disturbed.
Copy-Item -Force $source "$exe.new"
Move-Item -Force "$exe.new" $exe
Remove-Item -Force -ErrorAction SilentlyContinue $helper
try { New-Item -ItemType HardLink -Path $helper -Target $exe | Out-Null } catch { Copy-Item -Force $exe $helper }
if ($unpacked) { Remove-Item -Recurse -Force $unpacked }
Write-Output "Installed $exe and $helper: $(& $exe --version)"

if ((Get-UserPath) -notcontains $Prefix) {
  Set-UserPath (@(Get-UserPath) + $Prefix)
  $env:Path = "$env:Path;$Prefix"
  Write-Output "Added $Prefix to your PATH. Open a new terminal (and restart Docker Desktop) so they see it."
}

if ($ConfigureDocker) { & $exe setup }
