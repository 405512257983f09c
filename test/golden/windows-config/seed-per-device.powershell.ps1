# OpenCAL: RD Session Host licensing settings written to the registry (equivalent of the Group Policy settings).
# Run in an elevated PowerShell on each RD Session Host.
# Licensing mode: 2 = Per Device, 4 = Per User
New-Item -Path 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services' -Force | Out-Null
Set-ItemProperty -Path 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services' -Name 'LicensingMode' -Type DWord -Value 2
# Declare the license server(s)
Set-ItemProperty -Path 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services' -Name 'LicenseServers' -Type String -Value 'SERVEUR-LIC'
New-Item -Path 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services\LicenseServers' -Force | Out-Null
New-Item -Path 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services\LicenseServers\SERVEUR-LIC' -Force | Out-Null
gpupdate /force
