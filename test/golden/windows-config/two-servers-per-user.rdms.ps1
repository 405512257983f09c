# OpenCAL: licensing settings for a managed deployment (Remote Desktop Management Service)
Import-Module RemoteDesktop
Set-RDLicenseConfiguration -Mode PerUser -LicenseServer 'ls1.corp.example','ls2.corp.example'
