<#
  Writes the Secure Access enterprise policy to HKLM\SOFTWARE\Policies\SecureAccess, the key Group Policy writes
  with SecureAccess.admx, for when you deploy without the template: an Intune platform script (run as SYSTEM,
  64-bit PowerShell), SCCM, a computer startup script. Only administrators and SYSTEM can write under
  HKLM\SOFTWARE\Policies, so no user of the computer can change what this writes.
  The values come from the policy below, or from -PolicyFile with a policy.json of your own: true/false become
  REG_DWORD 1/0, text REG_SZ, and the proxy object a REG_SZ holding its JSON. The key is replaced whole, so a
  setting removed from the JSON is removed from the computer. Keys and values: docs/deployment.md, "Enterprise policy".
#>
param(
  [string]$PolicyFile
)
$ErrorActionPreference = 'Stop'
if (-not [Environment]::Is64BitProcess) { throw 'Run this script in 64-bit PowerShell (Intune: "Run script in 64 bit PowerShell Host" = Yes).' }

$policy = @'
{
  "serverUrl": "https://espace-client.banque.example",
  "serverUrlLocked": true,
  "startAtLogin": true,
  "updatesEnabled": false,
  "proxy": { "mode": "system" },
  "logLevel": "info"
}
'@
if ($PolicyFile) { $policy = Get-Content -Raw -Path $PolicyFile }
$values = $policy | ConvertFrom-Json

# How each setting is held in the registry (main/platform/policy.ts, POLICY_SETTINGS).
$settings = @{
  serverUrl = 'string'
  serverUrlLocked = 'boolean'
  allowAdditionalServers = 'boolean'
  startAtLogin = 'boolean'
  updatesEnabled = 'boolean'
  updateServerUrl = 'string'
  proxy = 'json'
  logLevel = 'string'
  approvalCodeMinLength = 'number'
}

# Check everything before changing anything.
foreach ($property in $values.PSObject.Properties) {
  $kind = $settings[$property.Name]
  if (-not $kind) { throw "Unknown setting '$($property.Name)' (known: $($settings.Keys -join ', '))." }
  if ($kind -eq 'boolean' -and $property.Value -isnot [bool]) { throw "'$($property.Name)' must be true or false." }
  if ($kind -eq 'string' -and $property.Value -isnot [string]) { throw "'$($property.Name)' must be text." }
  if ($kind -eq 'number' -and ($property.Value -isnot [int] -and $property.Value -isnot [long])) { throw "'$($property.Name)' must be a whole number." }
  if ($kind -eq 'json' -and $property.Value -isnot [System.Management.Automation.PSCustomObject]) { throw "'$($property.Name)' must be an object." }
}

$key = 'HKLM:\SOFTWARE\Policies\SecureAccess'
if (Test-Path -LiteralPath $key) { Remove-Item -LiteralPath $key -Recurse -Force }
New-Item -Path $key -Force | Out-Null
foreach ($property in $values.PSObject.Properties) {
  switch ($settings[$property.Name]) {
    'boolean' { New-ItemProperty -LiteralPath $key -Name $property.Name -PropertyType DWord -Value ([int]$property.Value) | Out-Null }
    'string' { New-ItemProperty -LiteralPath $key -Name $property.Name -PropertyType String -Value $property.Value | Out-Null }
    'number' { New-ItemProperty -LiteralPath $key -Name $property.Name -PropertyType DWord -Value ([int]$property.Value) | Out-Null }
    'json' { New-ItemProperty -LiteralPath $key -Name $property.Name -PropertyType String -Value ($property.Value | ConvertTo-Json -Compress -Depth 5) | Out-Null }
  }
}
Write-Output "Secure Access policy written to HKLM\SOFTWARE\Policies\SecureAccess ($(@($values.PSObject.Properties).Count) settings)."
