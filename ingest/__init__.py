"""Loading data into the CRM database: the CSV import of DATA_CONTRACT.md."""
from .csv_import import ImportReport, import_files, import_folder
from .csv_parsing import CsvImportError

__all__ = ["CsvImportError", "ImportReport", "import_files", "import_folder"]
