import { type MigrationInterface, type QueryRunner, Table, TableForeignKey } from 'typeorm';
import { columns } from './columns';

/** The texts of each agreement version, per country and language (one per template, country and language). */
export class AgreementDocuments1764700000100 implements MigrationInterface {
  name = 'AgreementDocuments1764700000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { id, text, integer } = columns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'agreement_documents',
        columns: [
          id('template_id', true),
          text('country', 2, { isPrimary: true }),
          text('language', 35, { isPrimary: true }),
          integer('ordinal', { type: 'integer' }),
          text('display_uri', 500),
          text('download_uri', 500),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_agreement_documents_template_id',
            columnNames: ['template_id'],
            referencedTableName: 'agreement_templates',
            referencedColumnNames: ['id'],
            onDelete: 'RESTRICT',
            onUpdate: 'RESTRICT',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('agreement_documents');
  }
}
