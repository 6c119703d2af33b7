<#
  Writes the Secure Access enterprise policy to %ProgramData%\Secure Access\policy.json, readable by every user and
  writable by administrators and SYSTEM only. For Intune (Devices > Scripts, run as SYSTEM, 64-bit), SCCM or a GPO
  startup script. Edit the values below, or pass -PolicyFile with a policy.json of your own.
  Keys and values: docs/deployment.md, "Enterprise policy".
#>
param(
  [string]$PolicyFile
)
$ErrorActionPreference = 'Stop'

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
# Refuse to deploy a file the app would reject as a whole.
$null = $policy | ConvertFrom-Json

$folder = Join-Path $env:ProgramData 'Secure Access'
New-Item -ItemType Directory -Force -Path $folder | Out-Null
$target = Join-Path $folder 'policy.json'
[System.IO.File]::WriteAllText($target, $policy, (New-Object System.Text.UTF8Encoding($false)))

# Users may read the policy, not change it.
$acl = New-Object System.Security.AccessControl.DirectorySecurity
$acl.SetAccessRuleProtection($true, $false)
$rights = [System.Security.AccessControl.FileSystemRights]
$inherit = [System.Security.AccessControl.InheritanceFlags]'ContainerInherit, ObjectInherit'
$propagate = [System.Security.AccessControl.PropagationFlags]::None
foreach ($rule in @(
    @('S-1-5-18', $rights::FullControl),       # SYSTEM
    @('S-1-5-32-544', $rights::FullControl),   # Administrators
    @('S-1-5-32-545', $rights::ReadAndExecute) # Users
  )) {
  $sid = New-Object System.Security.Principal.SecurityIdentifier($rule[0])
  $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($sid, $rule[1], $inherit, $propagate, 'Allow')))
}
Set-Acl -Path $folder -AclObject $acl
Write-Output "Secure Access policy written to $target"
