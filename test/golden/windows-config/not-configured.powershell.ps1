# OpenCAL: RD Session Host licensing settings written to the registry (equivalent of the Group Policy settings).
# Run in an elevated PowerShell on each RD Session Host.
# Licensing mode: 2 = Per Device, 4 = Per User
New-Item -Path 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services' -Force | Out-Null
Remove-ItemProperty -Path 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services' -Name 'LicensingMode' -ErrorAction SilentlyContinue
# Declare the license server(s)
Remove-ItemProperty -Path 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services' -Name 'LicenseServers' -ErrorAction SilentlyContinue
gpupdate /force
