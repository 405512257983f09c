# OpenCAL: licensing settings for a managed deployment (Remote Desktop Management Service)
Import-Module RemoteDesktop
Set-RDLicenseConfiguration -Mode PerDevice -LicenseServer SERVEUR-LIC
